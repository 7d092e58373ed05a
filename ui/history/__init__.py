"""Training history: every workout kept in one local SQLite database (`repscope import`, `batch`, `annotate`,
`history`). The recordings stay the source of truth; the database can always be rebuilt from them.

- `db.py`: where the file lives, opening it (WAL, foreign keys, busy timeout), one-line errors, transactions;
- `schema.py`: the schema as a list of migrations (version N = the first N scripts);
- `importer.py`: a recording file → its content hash and the analysed sets (`sets_of`), in any process;
- `store.py`: analysed recordings into the tables, annotations, and the stored sessions read back;
- `trends.py`: per-exercise figures per set over time;
- `report.py`: the HTML trend report (matplotlib, imported only there).
"""
