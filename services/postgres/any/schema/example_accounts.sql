-- Example schema (delete me with example_app/): the harness applies every .sql file in
-- this folder, in name order, once per test process. Keep statements idempotent
-- (IF NOT EXISTS): a run without xdist reuses the same database.
CREATE TABLE IF NOT EXISTS accounts (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    display_name text NOT NULL
);

CREATE TABLE IF NOT EXISTS credits (
    account_id bigint NOT NULL REFERENCES accounts (id),
    amount integer NOT NULL CHECK (amount >= 0)
);
