package dev.wick.lm.checkpoint;

import dev.wick.lm.data.Sha256;
import dev.wick.lm.model.ModelShape;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Saves and loads checkpoints in a folder: checkpoint.json plus model-STEP.safetensors (the
 * weights) and state-STEP.safetensors (the optimizer's tensors and the carried hidden state).
 *
 * <p>Saving is crash-safe: the two tensor files are written under new, step-numbered names
 * (each atomically), then checkpoint.json is replaced atomically, and only then are the files of
 * older checkpoints deleted. Whenever the process dies, checkpoint.json names a complete set of
 * files whose digests it holds. Loading refuses anything that does not check out: a file missing,
 * shorter or longer than written, a digest mismatch (checkpoint.json holds the tensor files'
 * digests and its own, so a change to any byte of the checkpoint is refused), a malformed header,
 * metadata of another checkpoint, a tensor missing, of the wrong shape or holding a NaN or an
 * infinity, a document with a field missing, extra or of the wrong type, or with values that are
 * impossible or contradict each other (see {@link DocumentCodec}).
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
    public static void save(Path dir, CheckpointDocument doc, Map<String, HostTensor> weights,
                            Map<String, HostTensor> state) throws IOException {
        if (doc.version() != CheckpointDocument.VERSION) {
            throw new IllegalArgumentException("only version " + CheckpointDocument.VERSION + " is written, not " + doc.version());
        }
        String suffix = String.format(Locale.ROOT, "-%08d.safetensors", doc.step());
        CheckpointDocument.FileRef w = writeTensors(dir, "model" + suffix, weights, doc);
        CheckpointDocument.FileRef s = writeTensors(dir, "state" + suffix, state, doc);
        AtomicFiles.write(dir.resolve(INDEX), DocumentCodec.encode(doc.withFiles(w, s, null)));
        removeStaleFiles(dir, w.file(), s.file());
    }

    private static CheckpointDocument.FileRef writeTensors(Path dir, String name, Map<String, HostTensor> tensors,
                                                           CheckpointDocument doc) throws IOException {
        byte[] bytes = SafeTensors.encode(tensors, metadata(doc.version(), doc.step()));
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
        CheckpointDocument.Model m = doc.model();
        ModelShape shape = m.shape();
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        SafeTensors.Contents wc = readTensors(dir, doc, doc.weights(), "weights");
        String weightsFile = doc.weights().file();
        for (Map.Entry<String, int[]> p : shape.parameterShapes().entrySet()) {
            weights.put(p.getKey(), finite(weightsFile, p.getKey(), wc.require(weightsFile, p.getKey(), p.getValue())));
        }
        if (!withState) return new Checkpoint(doc, weights, null);

        Map<String, HostTensor> state = new LinkedHashMap<>();
        SafeTensors.Contents sc = readTensors(dir, doc, doc.state(), "state");
        String file = doc.state().file();
        for (Map.Entry<String, int[]> p : shape.parameterShapes().entrySet()) {
            for (String name : Checkpoint.optimizerStateNames(doc.optimizer().type(), p.getKey())) {
                state.put(name, finite(file, name, sc.require(file, name, p.getValue())));
            }
        }
        String hidden = doc.data().hiddenTensor();
        int[] stateShape = shape.stateShape(doc.training().batch());
        state.put(Checkpoint.HIDDEN_TENSOR, finite(file, hidden, sc.require(file, hidden, stateShape)));
        if (shape.hasCellState()) {
            state.put(Checkpoint.CELL_TENSOR, finite(file, Checkpoint.CELL_TENSOR,
                    sc.require(file, Checkpoint.CELL_TENSOR, stateShape)));
        }
        return new Checkpoint(doc, weights, state);
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

    private static SafeTensors.Contents readTensors(Path dir, CheckpointDocument doc, CheckpointDocument.FileRef ref,
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
        SafeTensors.Contents contents = SafeTensors.decode(file.toString(), bytes);
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
    private static HostTensor finite(String file, String name, HostTensor t) throws CheckpointException {
        String found = NonFinite.describe(name, t);
        if (found != null) throw new CheckpointException(file + ": " + found + " (the run that wrote it diverged)");
        return t;
    }
}
