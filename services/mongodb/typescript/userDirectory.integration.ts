// Example tests (delete with example_app/): MongoDB with the `mongodb` fixture.
import { MongoClient } from "mongodb";
import { EmailTaken, UserDirectory } from "./example_app/userDirectory";
import { expect, test } from "./harness/fixtures";

test("registered user can be found", async ({ mongodb }) => {
  const directory = await UserDirectory.open(mongodb);

  const registered = await directory.register("Ada@Example.com", "Ada");

  expect(await directory.findByEmail("ada@example.com")).toEqual(registered);
  expect(registered.email).toBe("ada@example.com");
});

test("every test starts with no users", async ({ mongodb }) => {
  expect(await mongodb.collection("users").countDocuments({})).toBe(0);
  await (await UserDirectory.open(mongodb)).register("left@example.com", "Left behind?"); // emptied after
});

test("a taken email is refused and the first user kept", async ({ mongodb }) => {
  const directory = await UserDirectory.open(mongodb);
  const first = await directory.register("grace@example.com", "Grace");

  await expect(directory.register("GRACE@example.com ", "Impostor")).rejects.toBeInstanceOf(EmailTaken);

  expect(await directory.findByEmail("grace@example.com")).toEqual(first);
  expect(await mongodb.collection("users").countDocuments({})).toBe(1);
});

test("the unique index outlives the cleanup", async ({ mongodb }) => {
  await UserDirectory.open(mongodb);

  const unique = (await mongodb.collection("users").listIndexes().toArray()).filter((index) => index.unique);

  expect(unique.map((index) => Object.keys(index.key))).toEqual([["email"]]);
});

test("renaming an unknown user changes nothing", async ({ mongodb }) => {
  const directory = await UserDirectory.open(mongodb);
  await directory.register("alan@example.com", "Alan");

  expect(await directory.rename("nobody@example.com", "Nobody")).toBe(false);
  expect(await directory.rename("alan@example.com", "Alan T.")).toBe(true);
  expect((await directory.findByEmail("alan@example.com"))?.name).toBe("Alan T.");
});

test("code with its own client is cleaned up too", async ({ mongodb, mongodbUrl }) => {
  const client = new MongoClient(mongodbUrl);
  try {
    const directory = await UserDirectory.open(client.db());
    await directory.register("barbara@example.com", "Barbara");

    expect(await directory.findByEmail("barbara@example.com")).not.toBeNull();
  } finally {
    await client.close();
  }
  expect(await mongodb.collection("users").countDocuments({})).toBe(1);
});
