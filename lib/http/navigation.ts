// next/navigation's server half. For server code Next.js resolves "next/navigation" to this very
// file; naming it directly lets scripts and benchmarks (tsx --conditions=react-server) load lib/http
// too, where "next/navigation" would load the client half and fail on React's server build.
// Pinned with next (package.json): re-check the path when upgrading.
export { notFound, redirect, unstable_rethrow } from "next/dist/client/components/navigation.react-server";
