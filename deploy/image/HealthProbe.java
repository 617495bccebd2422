import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The image's HEALTHCHECK: a FROM-scratch image has no shell and no curl, so the JVM that runs the node also runs
 * this probe (compiled at image build time, so no compiler is needed in the image; plain sockets, so it loads a
 * handful of classes and starts in ~0.1 s). It sends {@code GET PATH} to HOST:PORT and exits 0 only on HTTP 200.
 *
 * <p>Usage: {@code java -cp /opt/galleonfs/health HealthProbe [HOST:PORT [PATH]]}; defaults from the environment
 * {@code GALLEON_HEALTH_ADDRESS} (127.0.0.1:8090) and {@code GALLEON_HEALTH_PATH} (/q/health/ready).
 */
public final class HealthProbe {
    public static void main(String[] args) {
        String address = args.length > 0 ? args[0] : env("GALLEON_HEALTH_ADDRESS", "127.0.0.1:8090");
        String path = args.length > 1 ? args[1] : env("GALLEON_HEALTH_PATH", "/q/health/ready");
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(address.substring(colon + 1));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + address + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(12); // "HTTP/1.1 200"
            String status = new String(head, StandardCharsets.US_ASCII);
            if (status.length() == 12 && status.endsWith(" 200")) {
                System.out.println("ready");
                System.exit(0);
            }
            System.out.println("not ready: " + status.trim());
            System.exit(1);
        } catch (Exception e) {
            System.out.println("not ready: " + e);
            System.exit(1);
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
