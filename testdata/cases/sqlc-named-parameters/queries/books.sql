-- name: BooksByAuthor :many
SELECT id, title FROM books WHERE author_id = @id::bigint ORDER BY year;

-- name: BooksByIDs :many
SELECT id, title FROM books WHERE id = ANY(sqlc.slice(ids)::bigint[]);

-- name: BooksInYears :many
SELECT id FROM books WHERE year BETWEEN sqlc.arg(from_year) AND sqlc.arg(to_year) AND author_id = sqlc.arg(author);

-- name: AuthorsByCountry :many
SELECT id FROM authors WHERE country = sqlc.narg(country) OR sqlc.narg(country) IS NULL;

-- name: BookWithAuthor :one
SELECT sqlc.embed(books), sqlc.embed(authors) FROM books JOIN authors ON authors.id = books.author_id WHERE books.id = @id;
