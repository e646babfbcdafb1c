import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

/** A component whose code is fetched the first time it is shown (a chunk of its own), so
 *  screens few people open cost nothing on the first load. */
export function lazy<P extends object>(load: () => Promise<(props: P) => JSX.Element>): (props: P) => JSX.Element {
  let loaded: ((props: P) => JSX.Element) | null = null;
  return function Lazy(props: P) {
    const [Component, setComponent] = useState(() => loaded);
    useEffect(() => {
      if (!Component)
        void load().then((component) => {
          loaded = component;
          setComponent(() => component);
        });
    }, []);
    return Component ? <Component {...props} /> : <main class="screen" aria-busy="true" />;
  };
}
