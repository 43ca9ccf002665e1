package dev.wick.lm.checkpoint;

import dev.wick.core.io.Safetensors;
import dev.wick.core.io.SafetensorsException;
import dev.wick.core.io.StoredDType;
import dev.wick.core.io.StoredTensor;
import dev.wick.lm.data.Sha256;
import dev.wick.lm.model.ModelShape;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Saves and loads checkpoints in a folder: checkpoint.json plus model-STEP.safetensors (the
 * weights, the model's state dict by its {@code Module.stateDict()} names) and state-STEP.safetensors
 * (the optimizer's tensors and the carried hidden state), both float32, written and read by
 * {@link Safetensors}.
 *
 * <p>Saving is crash-safe: the two tensor files are written under new, step-numbered names
 * (each atomically), then checkpoint.json is replaced atomically, and only then are the files of
 * older checkpoints deleted. Whenever the process dies, checkpoint.json names a complete set of
 * files whose digests it holds. Loading refuses anything that does not check out: a file missing,
 * shorter or longer than written, a digest mismatch (checkpoint.json holds the tensor files'
 * digests and its own, so a change to any byte of the checkpoint is refused), a malformed header,
 * metadata of another checkpoint, a tensor missing, extra, not float32, of the wrong shape or
 * holding a NaN or an infinity, a document with a field missing, extra or of the wrong type, or
 * with values that are impossible or contradict each other (see {@link DocumentCodec}).
 */
public final class CheckpointStore {
    public static final String INDEX = "checkpoint.json";
    private static final Pattern OWN_FILE = Pattern.compile("(model|state)-\\d{8,}\\.safetensors");
    private static final long MAX_INDEX_BYTES = 512L * 1024 * 1024;

    private CheckpointStore() {
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(INDEX));
    }

    /**
     * Writes a checkpoint into {@code dir} (which must exist). The document's weights and state
     * references and its digest are filled in here; those given are ignored.
     */
    public static void save(Path dir, CheckpointDocument doc, Map<String, StoredTensor> weights,
                            Map<String, StoredTensor> state) throws IOException {
        if (doc.version() != CheckpointDocument.VERSION) {
            throw new IllegalArgumentException("only version " + CheckpointDocument.VERSION + " is written, not " + doc.version());
        }
        String suffix = String.format(Locale.ROOT, "-%08d.safetensors", doc.step());
        CheckpointDocument.FileRef w = writeTensors(dir, "model" + suffix, weights, doc);
        CheckpointDocument.FileRef s = writeTensors(dir, "state" + suffix, state, doc);
        AtomicFiles.write(dir.resolve(INDEX), DocumentCodec.encode(doc.withFiles(w, s, null)));
        removeStaleFiles(dir, w.file(), s.file());
    }

    private static CheckpointDocument.FileRef writeTensors(Path dir, String name, Map<String, StoredTensor> tensors,
                                                           CheckpointDocument doc) throws IOException {
        // Encoded here rather than by Safetensors.write: the digest needs the bytes, and AtomicFiles syncs them.
        byte[] bytes = Safetensors.encode(tensors, metadata(doc.version(), doc.step()));
        AtomicFiles.write(dir.resolve(name), bytes);
        return new CheckpointDocument.FileRef(name, Sha256.of(bytes));
    }

    /**
     * The metadata of a tensor file of a checkpoint of this version at this step. Version 2 files
     * carry the version, so that a version 2 checkpoint whose document was made to look like a
     * version 1 one (its digest removed) is refused: version 1 is read only where every file is.
     */
    private static Map<String, String> metadata(int version, int step) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", CheckpointDocument.FORMAT);
        if (version != CheckpointDocument.LEGACY_VERSION) metadata.put("version", Integer.toString(version));
        metadata.put("step", Integer.toString(step));
        return metadata;
    }

    /** Files of older checkpoints, and temporary files a crash left behind; never anything else. */
    private static void removeStaleFiles(Path dir, String keepWeights, String keepState) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                boolean old = OWN_FILE.matcher(n).matches() && !n.equals(keepWeights) && !n.equals(keepState);
                if (old || AtomicFiles.isTemporary(f)) Files.deleteIfExists(f);
            }
        }
        AtomicFiles.forceDirectory(dir);
    }

    /**
     * Loads and checks the checkpoint in {@code dir}; with {@code withState} false the state file
     * is neither read nor checked (inference needs only the weights).
     */
    public static Checkpoint load(Path dir, boolean withState) throws CheckpointException {
        Path index = dir.resolve(INDEX);
        CheckpointDocument doc = readDocument(index);
        ModelShape shape = doc.model().shape();
        Map<String, StoredTensor> weights = require(doc.weights().file(), readTensors(dir, doc, doc.weights(), "weights"),
                shape.parameterShapes());
        if (!withState) return new Checkpoint(doc, weights, null);

        // The hidden state's name is Checkpoint.HIDDEN_TENSOR in every version (DocumentCheck holds it to that).
        Map<String, int[]> expected = new LinkedHashMap<>();
        shape.parameterShapes().forEach((parameter, dims) -> {
            for (String name : Checkpoint.optimizerStateNames(doc.optimizer().type(), parameter)) expected.put(name, dims);
        });
        int[] stateShape = shape.stateShape(doc.training().batch());
        expected.put(Checkpoint.HIDDEN_TENSOR, stateShape);
        if (shape.hasCellState()) expected.put(Checkpoint.CELL_TENSOR, stateShape);
        return new Checkpoint(doc, weights, require(doc.state().file(), readTensors(dir, doc, doc.state(), "state"), expected));
    }

    /**
     * The tensors {@code expected} names, in its order, each float32 of the expected shape and
     * finite; the file may hold no others (the state dict's strict rule).
     */
    private static Map<String, StoredTensor> require(String file, Safetensors.Contents contents, Map<String, int[]> expected)
            throws CheckpointException {
        Map<String, StoredTensor> found = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            String name = e.getKey();
            StoredTensor t = contents.tensors().get(name);
            if (t == null) {
                throw new CheckpointException(file + " lacks tensor '" + name + "' (it holds " + contents.tensors().keySet() + ")");
            }
            if (t.dtype() != StoredDType.F32) {
                throw new CheckpointException(file + ": tensor '" + name + "' is stored as " + t.dtype()
                        + "; a checkpoint holds F32 only");
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new CheckpointException(file + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                        + " but " + Arrays.toString(e.getValue()) + " is expected");
            }
            found.put(name, finite(file, name, t));
        }
        Set<String> unexpected = new LinkedHashSet<>(contents.tensors().keySet());
        unexpected.removeAll(expected.keySet());
        if (!unexpected.isEmpty()) {
            throw new CheckpointException(file + " holds tensors this checkpoint has no use for: " + unexpected);
        }
        return found;
    }

    private static CheckpointDocument readDocument(Path index) throws CheckpointException {
        byte[] bytes;
        try {
            if (Files.size(index) > MAX_INDEX_BYTES) throw new CheckpointException(index + " is implausibly large");
            bytes = Files.readAllBytes(index);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("no checkpoint in " + index.getParent() + " (" + INDEX + " is missing)");
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + index + ": " + e.getMessage(), e);
        }
        try {
            return DocumentCodec.decode(bytes);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(index + ": " + e.getMessage(), e);
        }
    }

    private static Safetensors.Contents readTensors(Path dir, CheckpointDocument doc, CheckpointDocument.FileRef ref,
                                                    String what) throws CheckpointException {
        Path file = dir.resolve(ref.file());
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("the checkpoint's " + what + " file " + file + " is missing");
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        }
        // The structure is checked first: it says more precisely what is wrong than a digest can.
        Safetensors.Contents contents;
        try {
            contents = Safetensors.decode(bytes, file.toString());
        } catch (SafetensorsException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
        if (!Sha256.of(bytes).equals(ref.sha256())) {
            throw new CheckpointException(file + " does not match the SHA-256 recorded in " + INDEX
                    + " (the file is corrupted or belongs to another checkpoint)");
        }
        if (!contents.metadata().equals(metadata(doc.version(), doc.step()))) {
            throw new CheckpointException(file + ": its metadata " + contents.metadata() + " is not that of a version "
                    + doc.version() + " checkpoint at step " + doc.step() + " (" + INDEX + " was altered or replaced)");
        }
        return contents;
    }

    /** The tensor, refused when a value is NaN or infinite: a run that diverged, which no save writes now. */
    private static StoredTensor finite(String file, String name, StoredTensor t) throws CheckpointException {
        String found = NonFinite.describe(name, t);
        if (found != null) throw new CheckpointException(file + ": " + found + " (the run that wrote it diverged)");
        return t;
    }
}
