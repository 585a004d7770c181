-- Read the server's files.
SELECT pg_read_file('/etc/passwd');
