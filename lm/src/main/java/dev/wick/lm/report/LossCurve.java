package dev.wick.lm.report;

import dev.wick.lm.checkpoint.AtomicFiles;
import dev.wick.lm.train.LossHistory;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The loss curve of a run: loss.csv (step, training loss, validation loss where measured; full
 * double precision, so it can be compared exactly) and loss.png (both curves against the step),
 * each written atomically.
 */
public final class LossCurve {
    public static final String CSV = "loss.csv";
    public static final String PNG = "loss.png";
    private static final int WIDTH = 960, HEIGHT = 540;

    private LossCurve() {
    }

    public static String csv(LossHistory history) {
        Map<Integer, Double> validation = new HashMap<>();
        for (LossHistory.Point p : history.validation()) validation.put(p.step(), p.loss());
        StringBuilder sb = new StringBuilder("step,train_loss,val_loss\n");
        for (LossHistory.Point p : history.training()) {
            Double v = validation.get(p.step());
            sb.append(p.step()).append(',').append(p.loss()).append(',').append(v == null ? "" : v.toString()).append('\n');
        }
        return sb.toString();
    }

    public static void writeCsv(Path file, LossHistory history) throws IOException {
        AtomicFiles.write(file, csv(history).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Renders headless (java.awt.headless must be true before AWT starts where there is no display);
     * {@code unit} names a token ("char", "token") in the title and the axis.
     */
    public static void writePng(Path file, LossHistory history, String unit) throws IOException {
        XYSeries training = new XYSeries("training");
        for (LossHistory.Point p : history.training()) {
            if (Double.isFinite(p.loss())) training.add(p.step(), p.loss());
        }
        XYSeries validation = new XYSeries("validation");
        for (LossHistory.Point p : history.validation()) {
            if (Double.isFinite(p.loss())) validation.add(p.step(), p.loss());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(training);
        if (validation.getItemCount() > 0) data.addSeries(validation);
        JFreeChart chart = ChartFactory.createXYLineChart("wick-lm: loss per " + unit, "step", "loss (nats per " + unit + ")", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setSeriesPaint(0, new Color(0x1f77b4));
        renderer.setSeriesPaint(1, new Color(0xd62728));
        renderer.setSeriesStroke(1, new BasicStroke(2f));
        renderer.setSeriesShapesVisible(1, true);
        plot.setRenderer(renderer);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(png, chart, WIDTH, HEIGHT);
        AtomicFiles.write(file, png.toByteArray());
    }
}
