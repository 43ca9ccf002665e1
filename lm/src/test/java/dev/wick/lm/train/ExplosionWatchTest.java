package dev.wick.lm.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExplosionWatchTest {
    @Test
    void warnsOnceAStreakAboveTwiceTheUniformLossIsLongEnough() {
        ExplosionWatch watch = new ExplosionWatch(50);
        double high = 2 * Math.log(50) + 0.01, low = 2 * Math.log(50);
        assertEquals(low, watch.threshold());
        assertFalse(watch.exploded(high));
        assertFalse(watch.exploded(high));
        assertFalse(watch.exploded(low), "at the threshold is not above it: the streak ends");
        assertFalse(watch.exploded(high));
        assertFalse(watch.exploded(high));
        assertTrue(watch.exploded(1e30), "the third in a row");
        assertFalse(watch.exploded(high), "once per streak");
        assertFalse(watch.exploded(1.0));
        for (int i = 1; i < ExplosionWatch.PATIENCE; i++) assertFalse(watch.exploded(high));
        assertTrue(watch.exploded(high), "a new streak warns again");
    }
}
