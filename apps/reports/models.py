"""Reports: read-only figures (the owner's overview, the daily figures), composed from the
selectors of the apps that own the data. No tables of their own."""
