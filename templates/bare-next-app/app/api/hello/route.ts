// The prototype's own endpoints, before any Shipshape module is wired in (docs/MODULES.md wires them).
export async function GET() {
  return Response.json({ hello: "world" });
}
