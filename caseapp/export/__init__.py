"""Pure writers for exports (CSV, XLSX, JSON, manifest); no UI."""
