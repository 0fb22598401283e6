/** Asserts that a promise rejects with an error of a class, whose message matches. */
import { expect } from "chai";

export async function expectRejection(p: Promise<unknown>, type: abstract new (...args: never[]) => Error, message: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    expect((err as Error).message).to.match(message);
    return;
  }
  expect.fail(`expected a ${type.name} matching ${message}`);
}
