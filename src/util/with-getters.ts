/**
 * `target` with read-only, enumerable accessor properties whose values `getters` compute, defined
 * on it after it is created.
 *
 * Why not a getter in the object literal (`{next() {...}, get emitted() {...}}`): V8 creates such a
 * literal with slow (dictionary) properties, and optimised code then loads its methods through the
 * generic property-load inline cache, about 80 instructions a load: the request sources'
 * `peekArrivalAt` and `next` two or three times per event of the simulation loop. Nor a getter
 * closure per object added with `defineProperty`: the first object keeps fast properties, but the
 * next one created the same way gets another getter function on the same map transition, and V8
 * normalises it to dictionary properties. So every object gets the same getter function per
 * property name, which reads the object's own `getters` (docs/engine-performance.md, fourth round).
 */
export function withGetters<T extends object, G extends Record<string, () => unknown>>(
	target: T,
	getters: G,
): T & {readonly [K in keyof G]: ReturnType<G[K]>} {
	Object.defineProperty(target, GETTERS, {value: getters});
	for (const name of Object.keys(getters)) Object.defineProperty(target, name, {get: sharedGetter(name), enumerable: true, configurable: true});
	return target as T & {readonly [K in keyof G]: ReturnType<G[K]>};
}

const GETTERS = Symbol('getters');

type WithGetters = {readonly [GETTERS]: Record<string, () => unknown>};

const sharedGetters = new Map<string, (this: WithGetters) => unknown>();

/** The one getter function of property `name`, for every object. */
function sharedGetter(name: string): (this: WithGetters) => unknown {
	let get = sharedGetters.get(name);
	if (get === undefined) {
		get = function (this: WithGetters): unknown {
			return this[GETTERS][name]!();
		};
		sharedGetters.set(name, get);
	}
	return get;
}
