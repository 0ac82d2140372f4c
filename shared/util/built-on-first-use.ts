/**
 * A value built the first time it is asked for, then kept for the container's life. For what is costly to
 * build and not needed by every path through a cold start (zod schemas, SDK clients): importing the module
 * that declares it builds nothing.
 */
export function builtOnFirstUse<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
