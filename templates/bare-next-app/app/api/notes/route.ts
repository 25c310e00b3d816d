// The prototype's own endpoints, before any Shipshape module is wired in (docs/MODULES.md wires them).
export async function POST(request: Request) {
  const note = await request.json();
  return Response.json({ note }, { status: 201 });
}
