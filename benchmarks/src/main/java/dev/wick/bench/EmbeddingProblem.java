package dev.wick.bench;

/**
 * An embedding lookup of {@code indices.length} rows from a table [rows, dim], with the gradient
 * [indices.length, dim] that arrives from the layer above on the way back.
 */
public record EmbeddingProblem(int rows, int dim, float[] table, int[] indices, float[] upstream) {
    public EmbeddingProblem {
        if (table.length != (long) rows * dim) {
            throw new IllegalArgumentException("table has " + table.length + " values, expected " + rows + " x " + dim);
        }
        if (upstream.length != (long) indices.length * dim) {
            throw new IllegalArgumentException("upstream gradient has " + upstream.length + " values, expected "
                    + indices.length + " x " + dim);
        }
    }

    /**
     * A problem from a JMH parameter {@code ROWSxDIM/COUNT/DISTINCT}: COUNT indices drawn uniformly
     * from all rows ("all") or from DISTINCT rows picked at random (duplicate-heavy).
     */
    public static EmbeddingProblem parse(String spec, long seed) {
        String[] parts = spec.split("/");
        if (parts.length != 3) {
            throw new IllegalArgumentException("embedding case '" + spec + "' is not ROWSxDIM/COUNT/DISTINCT");
        }
        int[] table = Dims.parse(parts[0], 2);
        int count = Integer.parseInt(parts[1]);
        int distinct = parts[2].equals("all") ? table[0] : Integer.parseInt(parts[2]);
        if (distinct < 1 || distinct > table[0]) {
            throw new IllegalArgumentException("embedding case '" + spec + "': " + distinct
                    + " distinct rows out of " + table[0]);
        }
        return new EmbeddingProblem(table[0], table[1],
                HostData.normal(seed, table[0] * table[1]),
                HostData.indices(seed + 1, count, table[0], distinct),
                HostData.normal(seed + 2, count * table[1]));
    }
}
