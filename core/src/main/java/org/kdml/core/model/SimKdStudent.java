package org.kdml.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.kdml.core.tensor.Tensors;

/**
 * The student SimKD deploys (Chen et al., CVPR 2022): the student's backbone, a projector to the
 * teacher's last-stage channels, and the teacher's classifier reused as is. Its forward pass
 * returns {@code [W_T(pool(P(f))), P(f), stage1..stage4]}: the shared feature is the projected map
 * that SimKD's only loss, {@code MSE(P(f_S), f_T)}, fits. The classifier is a frozen copy of the
 * teacher's, taken when the teacher freezes ({@link #adoptTeacherHead}); the student's own
 * classifier is unused and not counted.
 */
public final class SimKdStudent extends DistillNet {

    private static final byte VERSION = 1;

    private final KdNetwork student;
    private final Block projector;
    private final Block teacherHead;
    private final int teacherChannels;

    /**
     * @param student the student network
     * @param teacherChannels channels of the teacher's last stage (its classifier's input)
     * @param classes number of classes
     * @param factor SimKD's width factor (the projector's middle width is {@code t/factor})
     */
    public SimKdStudent(KdNetwork student, int teacherChannels, int classes, int factor) {
        super(VERSION);
        this.student = addChildBlock("student", student);
        this.projector = addChildBlock("projector", EdgeModules.simkdProjector(teacherChannels, factor));
        this.teacherHead = addChildBlock("teacherHead", Initialization.torchvision(Layers.classifierHead(classes)));
        this.teacherChannels = teacherChannels;
    }

    /** Copies the teacher's classifier (weight, bias) in and keeps it frozen. */
    public void adoptTeacherHead(List<Parameter> head) {
        List<Parameter> own = headParameters();
        if (head.size() != own.size()) {
            throw new IllegalArgumentException("simkd: the teacher's classifier has " + head.size()
                    + " parameters, the student's copy " + own.size());
        }
        for (int i = 0; i < own.size(); i++) {
            if (!own.get(i).getArray().getShape().equals(head.get(i).getArray().getShape())) {
                throw new IllegalArgumentException("simkd: the teacher's classifier " + head.get(i).getName() + " is "
                        + head.get(i).getArray().getShape() + ", the student's copy "
                        + own.get(i).getArray().getShape());
            }
            Tensors.copyInto(own.get(i).getArray(), head.get(i).getArray());
        }
    }

    /** @return the student network whose backbone this wraps */
    public KdNetwork student() {
        return student;
    }

    /** @return the projector onto the teacher's last-stage channels */
    public Block projector() {
        return projector;
    }

    /** @return the teacher classifier's frozen copy (global average pool, flatten, linear) */
    public Block teacherHead() {
        return teacherHead;
    }

    @Override
    public String architecture() {
        return student.architecture() + "+simkd";
    }

    @Override
    public int featureChannels() {
        return teacherChannels;
    }

    @Override
    public List<String> layerNames() {
        return student.layerNames();
    }

    @Override
    public NDList forwardAll(ParameterStore ps, NDArray input, boolean training) {
        // The student's blocks once; its last block's output (the backbone's) is what the projector reads.
        NDList outs = student.forwardAll(ps, input, training);
        NDArray projected = projector.forward(ps, new NDList(outs.get(outs.size() - 2)), training).singletonOrThrow();
        outs.set(outs.size() - 1, teacherHead.forward(ps, new NDList(projected), training).singletonOrThrow());
        return outs;
    }

    @Override
    public List<Parameter> backboneParameters() {
        return student.backboneParameters();
    }

    /** @return the teacher classifier's copy: weight then bias */
    @Override
    public List<Parameter> headParameters() {
        List<Parameter> out = new ArrayList<>();
        teacherHead.getParameters().forEach(p -> out.add(p.getValue()));
        return out;
    }

    /** @return the deployed parameters: backbone, projector and the teacher's classifier */
    @Override
    public long trainableParameterCount() {
        long unused = 0;
        for (Parameter p : student.headParameters()) {
            unused += p.getShape().size();
        }
        return super.trainableParameterCount() - unused;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDList s = student.forward(ps, inputs, training);
        NDArray last = s.get(FIRST_STAGE + STAGES - 1);
        NDArray projected = projector.forward(ps, new NDList(last), training).singletonOrThrow();
        NDArray logits = teacherHead.forward(ps, new NDList(projected), training).singletonOrThrow();
        NDList out = new NDList(logits, projected);
        out.addAll(s.subList(FIRST_STAGE, s.size()));
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape f = student.getOutputShapes(inputShapes)[1];
        Shape p = projector.getOutputShapes(new Shape[] {f})[0];
        return new Shape[] {teacherHead.getOutputShapes(new Shape[] {p})[0], p};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        student.initialize(manager, dataType, inputShapes);
        Shape f = student.getOutputShapes(inputShapes)[1];
        projector.initialize(manager, dataType, f);
        Shape p = projector.getOutputShapes(new Shape[] {f})[0];
        teacherHead.initialize(manager, dataType, p);
        teacherHead.freezeParameters(true);
        student.headParameters().forEach(unused -> unused.freeze(true));
    }
}
