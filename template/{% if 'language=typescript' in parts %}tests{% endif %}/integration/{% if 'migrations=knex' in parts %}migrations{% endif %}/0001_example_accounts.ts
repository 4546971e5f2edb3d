/**
 * Example migration (delete me with example_app/): the same tables as schema/*.sql,
 * on PostgreSQL and MySQL/MariaDB. The harness runs every migration of this folder
 * (name order) on each test database; see README.md ("Migrations") to point it at
 * your own folder.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("accounts", (table) => {
    table.bigIncrements("id").primary();
    table.string("email", 255).notNullable().unique();
    table.string("display_name", 255).notNullable();
  });
  await knex.schema.createTable("credits", (table) => {
    table.bigInteger("account_id").unsigned().notNullable().references("id").inTable("accounts");
    table.integer("amount").notNullable();
    table.check("?? >= 0", ["amount"], "credits_amount_not_negative");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("credits");
  await knex.schema.dropTable("accounts");
}
