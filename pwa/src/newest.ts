// Lists that a filter reloads (a tab, a viewer, a search box) ask the server again on every
// change, and answers can arrive out of order: the answer to the filter before may come
// last. Only the newest request's answer may reach the screen.
import { useRef } from "preact/hooks";

const superseded = new Promise<never>(() => undefined);

/** Wraps each request so that its answer, or its failure, is passed on only while no later
 * request went through the same wrapper; an older one never settles. One per list. */
export function useNewest(): <T>(request: Promise<T>) => Promise<T> {
  const latest = useRef(0);
  return <T>(request: Promise<T>): Promise<T> => {
    const ticket = ++latest.current;
    return request.then(
      (answer) => (ticket === latest.current ? answer : superseded),
      (error: unknown) => (ticket === latest.current ? Promise.reject(error) : superseded),
    );
  };
}
