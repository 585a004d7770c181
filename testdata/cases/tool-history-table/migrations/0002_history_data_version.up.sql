ALTER TABLE schema_migrations ADD COLUMN data_version integer;
