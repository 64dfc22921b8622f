import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.apache.jena.query.Dataset;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.system.Txn;
import org.apache.jena.tdb2.TDB2Factory;

/**
 * A read-only SPARQL query endpoint (SELECT and ASK, SPARQL JSON results) on a TDB2 database,
 * as Fuseki serves one, for tests that need ccbkg to ask TDB2 over HTTP: Fuseki itself is not
 * packaged by Debian. GET ?query=... or POST of an HTML form; nothing else.
 * Usage: java -cp JENA Endpoint.java DATABASE-FOLDER PORT  (listens on 127.0.0.1:PORT/query)
 */
public class Endpoint {
    public static void main(String[] args) throws IOException {
        Dataset dataset = TDB2Factory.connectDataset(args[0]);
        HttpServer server = HttpServer.create(
                new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])), 0);
        server.createContext("/query", exchange -> answer(exchange, dataset));
        server.start();
    }

    private static void answer(HttpExchange exchange, Dataset dataset) throws IOException {
        String form = "POST".equals(exchange.getRequestMethod())
                ? new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                : exchange.getRequestURI().getRawQuery();
        String text = null;
        for (String pair : (form == null ? "" : form).split("&")) {
            if (pair.startsWith("query=")) {
                text = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
            }
        }
        int status = 200;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            Query query = QueryFactory.create(text);
            Txn.executeRead(dataset, () -> {
                try (QueryExecution run = QueryExecutionFactory.create(query, dataset)) {
                    if (query.isAskType()) {
                        ResultSetFormatter.outputAsJSON(body, run.execAsk());
                    } else {
                        ResultSetFormatter.outputAsJSON(body, run.execSelect());
                    }
                }
            });
        } catch (RuntimeException error) {
            status = 400;
            body.reset();
            body.writeBytes(String.valueOf(error.getMessage()).getBytes(StandardCharsets.UTF_8));
        }
        exchange.getResponseHeaders().set("Content-Type", status == 200
                ? "application/sparql-results+json" : "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.size());
        try (OutputStream out = exchange.getResponseBody()) {
            body.writeTo(out);
        }
    }
}
