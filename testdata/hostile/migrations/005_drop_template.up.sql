-- Drop what is not the review's.
DROP DATABASE template1;
