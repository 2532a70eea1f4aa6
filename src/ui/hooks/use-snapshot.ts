import {useSyncExternalStore} from 'react';
import type {DashboardSnapshot, SnapshotSource} from '../snapshot.js';

/** The latest published snapshot; re-renders when the store publishes (about 10 times a second). */
export default function useSnapshot(source: SnapshotSource): DashboardSnapshot {
	return useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
}
