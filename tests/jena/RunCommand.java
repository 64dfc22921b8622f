import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Runs Jena's commands (tdb2.tdbloader, tdb2.tdbquery, tdb2.tdbdump, ...) one after the other
 * in one JVM, each run as its shell script runs it, to save a JVM start per run. Each line of
 * JOBS is tab-separated: the file that receives the run's standard output, the command's class,
 * then its arguments. A global setting (`--set`) stays for the runs after it, so list the runs
 * without it first. A failing run ends the JVM with the command's own message and exit code.
 * Usage: java -cp JENA RunCommand.java JOBS
 */
public class RunCommand {
    public static void main(String[] args) throws Exception {
        PrintStream console = System.out;
        for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
            String[] fields = line.split("\t");
            String[] arguments = Arrays.copyOfRange(fields, 2, fields.length);
            try (PrintStream out = new PrintStream(
                    Files.newOutputStream(Path.of(fields[0])), true, StandardCharsets.UTF_8)) {
                System.setOut(out);
                Class.forName(fields[1]).getMethod("main", String[].class)
                        .invoke(null, (Object) arguments);
            } finally {
                System.setOut(console);
            }
        }
    }
}
