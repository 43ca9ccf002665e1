package dev.wick.lm;

import java.util.SplittableRandom;

/** Texts for tests, written here: random sentences over a small vocabulary, learnable and varied. */
public final class TestTexts {
    private static final String[] SUBJECTS = {"the cat", "a dog", "my friend", "the old man", "every child", "no bird"};
    private static final String[] VERBS = {"sees", "likes", "follows", "wants", "finds", "hears"};
    private static final String[] OBJECTS = {"the moon", "a red ball", "some bread", "the river", "a quiet song", "the door"};

    private TestTexts() {
    }

    /** About {@code characters} characters of sentences drawn with {@code seed}. */
    public static String sentences(int characters, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(characters + 64);
        while (sb.length() < characters) {
            sb.append(SUBJECTS[r.nextInt(SUBJECTS.length)]).append(' ')
                    .append(VERBS[r.nextInt(VERBS.length)]).append(' ')
                    .append(OBJECTS[r.nextInt(OBJECTS.length)]).append(r.nextInt(4) == 0 ? ".\n" : ". ");
        }
        return sb.substring(0, characters);
    }

    /** A fresh seed per run, printed so a failure can be replayed with -Dwick.test.seed=N. */
    public static long freshSeed(String test) {
        String fixed = System.getProperty("wick.test.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println(test + ": seed=" + seed + " (replay with -Dwick.test.seed=" + seed + ")");
        return seed;
    }
}
