import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.jena.query.ARQ;
import org.apache.jena.query.Dataset;
import org.apache.jena.query.DatasetFactory;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.sparql.core.DatasetGraph;
import org.apache.jena.system.Txn;
import org.apache.jena.tdb2.DatabaseMgr;
import org.apache.jena.tdb2.TDB2;

/**
 * Runs SPARQL files as they are on Jena TDB2 (Fuseki's engine), in one JVM: the data is loaded
 * into an in-memory TDB2 dataset whose default graph is the union of its named graphs
 * (tdb:unionDefaultGraph, as `tdb2.tdbquery --set tdb:unionDefaultGraph=true`), and each
 * query's results are written as SPARQL 1.1 CSV.
 * Usage: java -cp JENA RunQueries.java DATA.nq OUT-FOLDER QUERY.rq...  (writes OUT/NAME.csv)
 */
public class RunQueries {
    public static void main(String[] args) throws Exception {
        DatasetGraph graphs = DatabaseMgr.createDatasetGraph();
        Txn.executeWrite(graphs, () -> RDFDataMgr.read(graphs, args[0]));
        ARQ.getContext().set(TDB2.symUnionDefaultGraph, true);
        Dataset dataset = DatasetFactory.wrap(graphs);
        for (int i = 2; i < args.length; i++) {
            Path file = Path.of(args[i]);
            String name = file.getFileName().toString().replaceFirst("\\.rq$", "");
            Query query = QueryFactory.create(Files.readString(file));
            try (OutputStream out = Files.newOutputStream(Path.of(args[1], name + ".csv"))) {
                Txn.executeRead(dataset, () -> {
                    try (QueryExecution run = QueryExecutionFactory.create(query, dataset)) {
                        ResultSetFormatter.outputAsCSV(out, run.execSelect());
                    }
                });
            }
        }
    }
}
