"""The Skeleton CRM sync server: FastAPI routers over services over SQLAlchemy."""
