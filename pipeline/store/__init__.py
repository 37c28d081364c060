"""The database: engines and transactions, models and migrations, and the queries the flows share."""
