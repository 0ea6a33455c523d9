package org.kdml.core.tensor;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The build rule behind {@link Tensors}: lists every call, in compiled classes, to a DJL method that
 * can put Java-owned memory under a tensor libtorch may keep — {@code NDArray} operators with a
 * {@code Number} operand, {@code NDManager.create} of Java values, {@code set} from a Java buffer or
 * array, {@code decode} and {@code loadParameters} — anywhere but in {@link Tensors} (and
 * {@link Churn}, the diagnostic that imitates a collection inside a step). It reads the
 * class files' constant pools (the method references a class makes), so it sees every call the
 * compiler emitted, lambdas and method references included. Each module that touches tensors runs
 * it over its own classes in a test.
 */
public final class NativeMemoryRule {

    /** The safe path itself, and the diagnostic that makes Java-owned scalars on purpose (never in training). */
    private static final Set<String> ALLOWED = Set.of(Tensors.class.getName().replace('.', '/'),
            Churn.class.getName().replace('.', '/'));
    private static final Set<String> ARRAYS = Set.of("ai/djl/ndarray/NDArray", "ai/djl/ndarray/NDArrayAdapter",
            "ai/djl/ndarray/BaseNDArray", "ai/djl/pytorch/engine/PtNDArray", "ai/djl/ndarray/NDArrays");
    private static final Set<String> MANAGERS = Set.of("ai/djl/ndarray/NDManager", "ai/djl/ndarray/BaseNDManager",
            "ai/djl/pytorch/engine/PtNDManager");
    private static final Set<String> LOADERS = Set.of("ai/djl/nn/Block", "ai/djl/nn/AbstractBlock",
            "ai/djl/nn/AbstractBaseBlock", "ai/djl/nn/Parameter", "ai/djl/ndarray/NDList");

    private NativeMemoryRule() {
    }

    /**
     * @param classes a folder of compiled classes (e.g. {@code target/classes})
     * @return one line per offending reference, {@code class → owner.method descriptor}; empty when clean
     */
    public static List<String> violations(Path classes) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    ClassRefs refs = ClassRefs.read(new DataInputStream(in));
                    String outer = refs.name().contains("$") ? refs.name().substring(0, refs.name().indexOf('$'))
                            : refs.name();
                    if (ALLOWED.contains(outer)) {
                        continue;
                    }
                    for (String[] m : refs.methods()) {
                        if (forbidden(m[0], m[1], m[2])) {
                            out.add(refs.name().replace('/', '.') + " → " + m[0].replace('/', '.') + "." + m[1] + m[2]);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** @return whether calling {@code owner.name descriptor} can wrap Java memory in a tensor */
    static boolean forbidden(String owner, String name, String descriptor) {
        String params = descriptor.substring(1, descriptor.indexOf(')'));
        if (ARRAYS.contains(owner)) {
            boolean javaBuffer = name.equals("set") && (params.startsWith("Ljava/nio/") || params.startsWith("["));
            return params.contains("Ljava/lang/Number;") || javaBuffer;
        }
        if (MANAGERS.contains(owner)) {
            if (name.equals("decode")) {
                return true;
            }
            return name.equals("create") && !params.equals("Lai/djl/ndarray/types/Shape;")
                    && !params.equals("Lai/djl/ndarray/types/Shape;Lai/djl/ndarray/types/DataType;");
        }
        if (LOADERS.contains(owner)) {
            return name.equals("loadParameters") || name.equals("load") || name.equals("decode");
        }
        return false;
    }

    /** The class name and the method references of one class file. */
    private record ClassRefs(String name, List<String[]> methods) {

        static ClassRefs read(DataInputStream in) throws IOException {
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException("not a class file");
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            Object[] pool = new Object[count];
            int[][] refs = new int[count][];
            int[] tags = new int[count];
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                tags[i] = tag;
                switch (tag) {
                    case 1 -> pool[i] = in.readUTF();
                    case 3, 4 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> refs[i] = new int[] {in.readUnsignedShort()};
                    case 9, 10, 11, 12, 17, 18 -> refs[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    default -> throw new IOException("unknown constant pool tag " + tag + " at " + i);
                }
            }
            in.readUnsignedShort();
            String self = (String) pool[refs[in.readUnsignedShort()][0]];
            List<String[]> methods = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                if (tags[i] == 10 || tags[i] == 11) {
                    String owner = (String) pool[refs[refs[i][0]][0]];
                    int[] nat = refs[refs[i][1]];
                    methods.add(new String[] {owner, (String) pool[nat[0]], (String) pool[nat[1]]});
                }
            }
            return new ClassRefs(self, methods);
        }
    }
}
