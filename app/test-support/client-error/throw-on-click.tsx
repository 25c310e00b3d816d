"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";

/** Renders a button; clicking it makes the next render throw, which the nearest error boundary reports. */
export function ThrowOnClick() {
  const [shouldThrow, setShouldThrow] = useState(false);
  if (shouldThrow) throw new Error("Deliberate client error from /test-support/client-error");
  return (
    <Button type="button" className="mt-6" onClick={() => setShouldThrow(true)}>
      Throw a client error
    </Button>
  );
}
