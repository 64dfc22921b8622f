import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.jena.graph.Graph;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;

/**
 * Validates data graphs against shapes graphs with Jena's SHACL engine (jena-shacl), in one
 * JVM, and writes each validation report as N-Triples.
 * Usage: java -cp JENA RunShacl.java OUT-FOLDER NAME DATA SHAPES [NAME DATA SHAPES]...
 * (writes OUT/NAME.nt; DATA and SHAPES are RDF files Jena reads by their extension)
 */
public class RunShacl {
    public static void main(String[] args) throws Exception {
        for (int i = 1; i + 2 < args.length; i += 3) {
            Graph data = RDFDataMgr.loadGraph(args[i + 1]);
            Shapes shapes = Shapes.parse(RDFDataMgr.loadGraph(args[i + 2]));
            ValidationReport report = ShaclValidator.get().validate(shapes, data);
            try (OutputStream out = Files.newOutputStream(Path.of(args[0], args[i] + ".nt"))) {
                RDFDataMgr.write(out, report.getModel(), Lang.NTRIPLES);
            }
        }
    }
}
