import { expect } from "chai";
import { fileNamePart } from "../../../lib/util/file-name-part.js";

describe("fileNamePart", () => {
  it("keeps the ids Flowcept makes as they are", () => {
    for (const id of ["5a3f0c1e-7b2d-4c8e-9f10-112233445566", "vm-12345", "run_1.final"]) expect(fileNamePart(id)).to.equal(id);
  });

  it("turns any other id into a short name of safe characters, the same for the same id and different for different ids", () => {
    const hostile = ["x/../../../elsewhere/pwned", "../", "..", ".", "/etc/passwd", "a\\b", "nul\u0000byte", "", "é", "L".repeat(300), "a b", "x".repeat(101)];
    const names = hostile.map(fileNamePart);
    for (const n of names) {
      expect(n).to.match(/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/);
      expect(n).to.not.match(/^\.+$/);
      expect(n.length).to.be.at.most(100);
    }
    expect(new Set(names).size).to.equal(hostile.length);
    expect(fileNamePart("x/../../../elsewhere/pwned")).to.equal(names[0]);
    expect(names[0]).to.match(/^x_{10}elsewhere_pwned-[0-9a-f]{16}$/);
  });
});
