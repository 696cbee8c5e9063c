package io.hal9.pool;

import static io.hal9.pool.ObjectPoolPartsFixture.pool;
import static io.hal9.pool.ObjectPoolPartsFixture.slot;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ObjectPoolCellTest {
    private final ObjectPoolImpl<Object> pool = pool("cell");

    @Test
    void holdsOneResidentSlotUntilItIsVacated() {
        ObjectPoolCell<Object> cell = new ObjectPoolCell<>();
        ObjectPoolSlot<Object> first = slot(pool);
        assertThat(cell.slot()).isNull();
        assertThat(cell.install(first)).isTrue();
        assertThat(cell.install(slot(pool))).as("taken").isFalse();
        assertThat(cell.slot()).isSameAs(first);
        cell.vacate();
        assertThat(cell.slot()).isNull();
        ObjectPoolSlot<Object> second = slot(pool);
        assertThat(cell.install(second)).isTrue();
        assertThat(cell.slot()).isSameAs(second);
    }

    @Test
    void countsTheHitsAndReleasesOfItsResident() {
        ObjectPoolCell<Object> cell = new ObjectPoolCell<>();
        cell.hit();
        cell.hit();
        cell.release();
        assertThat(cell.hits()).isEqualTo(2);
        assertThat(cell.releases()).isEqualTo(1);
    }
}
