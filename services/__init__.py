"""Services: a warehouse connection and one frozen set of filters in, the tables a page
section, a pack slide or a command needs out. The only layer between the pure analytics and
the app that talks to DuckDB."""
