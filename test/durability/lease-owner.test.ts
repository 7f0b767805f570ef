import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { currentOwner, ownerIsGone, processStartTicks } from "../../src/durability/lease-owner.js";

const here = currentOwner();

describe("telling a dead lease owner from a live one", () => {
  it("reads this process's start time from /proc", () => {
    expect(here.startTicks).toEqual(expect.any(Number));
    expect(processStartTicks(process.pid)).toBe(here.startTicks);
  });

  it("a process on this machine that has exited is gone", async () => {
    const child = spawn(process.execPath, ["-e", ""]);
    const pid = child.pid!;
    const ticks = processStartTicks(pid);
    await new Promise((done) => child.on("exit", done));
    await new Promise((r) => setTimeout(r, 50));
    expect(ownerIsGone({ ...here, id: "x", pid, startTicks: ticks })).toBe(true);
  });

  it("a live pid with the recorded start time is alive; the same pid with another start time was reused", () => {
    const init = processStartTicks(1);
    expect(ownerIsGone({ ...here, id: "x", pid: 1, startTicks: init })).toBe(false);
    expect(ownerIsGone({ ...here, id: "x", pid: 1, startTicks: (init ?? 0) + 12345 })).toBe(true);
  });

  it("our own pid with another start time (a container restarted) is gone; another owner in this very process is alive", () => {
    expect(ownerIsGone({ ...here, id: "x", startTicks: (here.startTicks ?? 0) + 1 })).toBe(true);
    expect(ownerIsGone({ ...here, id: "x" })).toBe(false);
  });

  it("a pid in another pid namespace (another container with this host name) cannot be judged: not gone", async () => {
    const child = spawn(process.execPath, ["-e", ""]);
    const pid = child.pid!;
    await new Promise((done) => child.on("exit", done));
    expect(ownerIsGone({ ...here, id: "x", pid, startTicks: 1, pidNs: "pid:[1]" })).toBe(false);
  });

  it("after a reboot (another boot id) every old owner is gone; on another host nothing can be told", () => {
    expect(ownerIsGone({ ...here, id: "x", pid: 1, bootId: "another-boot" })).toBe(true);
    expect(ownerIsGone({ ...here, id: "x", host: "elsewhere", pid: 999999 })).toBe(false);
  });
});
