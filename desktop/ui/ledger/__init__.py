"""The ledger's pages: the chart of accounts as a tree, the journal, the reports."""
