package policy

import "sort"

// Keycloak keeps the parsed policies in a java.util.HashMap built with the
// default constructor (16 buckets, load factor 0.75) by putting the ids in the
// order of the policy string, and DefaultPasswordPolicyManagerProvider
// evaluates them in keySet order. A HashMap iterates bucket by bucket; within a
// bucket, entries stay in insertion order (a resize splits each bucket into a
// low and a high list and keeps the relative order). The table doubles when a
// put makes the size exceed 0.75 times the capacity, so 13 to 24 policies use
// 32 buckets.

// javaHashMapCapacity is the table length after inserting n distinct keys into
// a new HashMap().
func javaHashMapCapacity(n int) int {
	c := 16
	for n > c*3/4 {
		c *= 2
	}
	return c
}

// javaHashMapBucket is the bucket index of key in a table of the given
// capacity: HashMap.hash spreads the high half of String.hashCode into the low
// half, and the index is that value masked by capacity-1.
func javaHashMapBucket(key string, capacity int) int {
	h := uint32(javaStringHashCode(key))
	return int((h ^ h>>16) & uint32(capacity-1))
}

// javaHashMapOrder returns the iteration order of a HashMap into which keys
// (distinct) were put in the given order, as indexes into keys.
func javaHashMapOrder(keys []string) []int {
	capacity := javaHashMapCapacity(len(keys))
	idx := make([]int, len(keys))
	bucket := make([]int, len(keys))
	for i, k := range keys {
		idx[i] = i
		bucket[i] = javaHashMapBucket(k, capacity)
	}
	sort.SliceStable(idx, func(a, b int) bool { return bucket[idx[a]] < bucket[idx[b]] })
	return idx
}
