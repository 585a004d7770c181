package rules

// list is every rule qreview has. A new rule is a file of its own with a
// *Rule value, named here. It is built anew on each call: nothing in the
// package is shared state.
func list() []*Rule {
	return []*Rule{
		addColumnNotNullWithoutDefault,
		addColumnVolatileDefault,
		addUniqueConstraint,
		alterColumnType,
		concurrentlyInTransaction,
		constraintWithoutNotValid,
		createIndexNonConcurrently,
		diskSpill,
		dmlWithoutWhere,
		fullIndexScan,
		ignoreWithoutReason,
		largeOffset,
		leadingWildcardLike,
		longLock,
		lossyBitmap,
		misestimate,
		missingLockTimeout,
		missingRollback,
		nestedLoopLargeOuter,
		nonSargablePredicate,
		notInSubquery,
		planCost,
		planRegression,
		poolSaturation,
		renameOrDrop,
		rowsRemovedByFilter,
		selectStar,
		seqScanLargeTable,
		setNotNull,
		slowPlan,
		sqlError,
		unboundedSelect,
		unusedIndex,
		vacuumFullClusterReindex,
	}
}
