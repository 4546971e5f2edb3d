-- Example schema (delete me with example_app/): the harness applies every .sql file in
-- this folder, in name order, once per test process, one statement at a time (end each
-- with ; at the end of a line). Keep statements idempotent (IF NOT EXISTS): a run
-- without xdist reuses the same database.
CREATE TABLE IF NOT EXISTS accounts (
    id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE,
    display_name varchar(255) NOT NULL
) ENGINE = InnoDB;

CREATE TABLE IF NOT EXISTS credits (
    account_id bigint NOT NULL,
    amount integer NOT NULL CHECK (amount >= 0),
    FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE = InnoDB;
