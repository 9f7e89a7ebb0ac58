"""Qt-free desktop core: the local replica, its outbox and the sync client."""
