package io.hal9.pool;

/** Slots for the tests of ObjectPoolImpl's parts: real slots of a real (caches-off, quiet) pool. */
final class ObjectPoolPartsFixture {
    private ObjectPoolPartsFixture() {}

    static ObjectPoolImpl<Object> pool(String name) {
        return (ObjectPoolImpl<Object>)
                ObjectPool.builder(name, Object::new).threadLocalCapacity(0).build();
    }

    static ObjectPoolSlot<Object> slot(ObjectPoolImpl<Object> pool) {
        return new ObjectPoolSlot<>(pool, new Object());
    }
}
