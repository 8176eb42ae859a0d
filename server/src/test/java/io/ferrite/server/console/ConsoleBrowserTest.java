package io.ferrite.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.Broker;
import io.ferrite.server.config.BrokerConfig;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser: Debian's headless Chromium, driven by Selenium through Debian's chromedriver,
 * clicks through every page of a broker holding topics, records and a group with lag, and checks what each page
 * shows against what was produced and committed. Each page's screenshot is kept under
 * {@code target/console-screenshots}, and under {@code docs/console} with {@code -Dferrite.write.docs=true}.
 * The JSON behind the pages is checked for its refusals (unknown topic, partition or group, bad numbers).
 */
@Timeout(180)
class ConsoleBrowserTest {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private Broker broker;
    private WebDriver browser;
    private WebDriverWait wait;
    private KafkaConsumer<byte[], byte[]> consumer;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        assertTrue(Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER)),
                "the browser test needs Debian's chromium and chromium-driver: bin/test installs them, or "
                        + "apt-get install -y chromium chromium-driver");
        broker = Broker.start(BrokerConfig.fromProperties(Map.of("listeners", "PLAINTEXT://127.0.0.1:0",
                "http.listener", "127.0.0.1:0", "log.dirs", dir.resolve("data").toString(),
                "store.commitlog.file.bytes", "4194304")), Clock.systemUTC());
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1360,1000", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.ignoring(StaleElementReferenceException.class);
    }

    @AfterEach
    void stop() {
        try {
            if (browser != null) {
                browser.quit();
            }
            if (consumer != null) {
                consumer.close();
            }
        } finally {
            broker.close();
        }
    }

    private String bootstrap() {
        return "127.0.0.1:" + broker.port();
    }

    private String console() {
        return "http://127.0.0.1:" + broker.httpPort();
    }

    /** Topic "orders" (3 partitions, 40 records each, keyed, with headers and set timestamps) and "blobs". */
    private void fill() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1).configs(Map.of("retention.ms", "86400000")),
                    new NewTopic("blobs", 1, (short) 1))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap(), ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int part = 0; part < 3; part++) {
                for (int i = 0; i < 40; i++) {
                    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>("orders", part, T0 + i * 1000L,
                            utf8("order-" + part + "-" + i), utf8("{\"amount\":" + i + ",\"note\":\"<b>bold</b>\"}"));
                    r.headers().add("source", utf8("shop-" + part));
                    p.send(r);
                }
            }
            p.send(new ProducerRecord<>("blobs", 0, null, new byte[] {0, 1, 2, (byte) 0xff}));
            p.flush();
        }
        // A classic group that read partition 0 and committed 30 of its 40: a lag of 10, 40 on each other partition.
        Map<String, Object> props = new HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "billing", ConsumerConfig.CLIENT_ID_CONFIG, "billing-1",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of("orders"));
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (consumer.assignment().size() < 3 && System.nanoTime() < until) {
            consumer.poll(Duration.ofMillis(100));
        }
        assertEquals(3, consumer.assignment().size());
        consumer.commitSync(Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(30),
                new TopicPartition("orders", 1), new OffsetAndMetadata(0), new TopicPartition("orders", 2),
                new OffsetAndMetadata(0)));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void waitForPage(String name) {
        wait.until(d -> name.equals(d.findElement(By.id("page")).getAttribute("data-page")));
    }

    private String text(By by) {
        return wait.until(d -> d.findElement(by).getText());
    }

    /** Clicks what {@code by} finds, finding it again if a redraw replaced it meanwhile. */
    private void click(By by) {
        wait.until(d -> {
            d.findElement(by).click();
            return true;
        });
    }

    private int rows(String table) {
        return wait.until(d -> d.findElements(By.cssSelector("#" + table + " tbody tr")).size());
    }

    private void screenshot(String name) throws IOException {
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Path out = Files.createDirectories(Path.of("target/console-screenshots")).resolve(name + ".png");
        Files.copy(shot, out, StandardCopyOption.REPLACE_EXISTING);
        if (Boolean.getBoolean("ferrite.write.docs")) {
            Files.copy(out, Files.createDirectories(Path.of("../docs/console")).resolve(name + ".png"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void until(Supplier<Boolean> condition, String what) {
        wait.withMessage(what).until(d -> condition.get());
    }

    @Test
    void everyPageShowsTheBrokersDataInARealBrowser() throws Exception {
        fill();
        browser.get(console() + "/");
        waitForPage("overview");
        until(() -> text(By.id("card-topics")).contains("2"), "two topics on the overview");
        assertTrue(text(By.id("card-version")).contains("0.1"), text(By.id("card-version")));
        assertTrue(text(By.id("card-partitions")).contains("4"));
        assertTrue(text(By.id("card-messages")).contains("121"), text(By.id("card-messages")));
        assertTrue(text(By.id("card-groups")).contains("1"));
        wait.until(d -> !d.findElements(By.cssSelector("#throughput-chart .uplot")).isEmpty());
        assertEquals("ready", text(By.id("health")));
        assertTrue(text(By.id("listeners-table")).contains(Integer.toString(broker.port())), "the bound port");
        // The first point of the throughput history comes ten seconds after the start, with the records above.
        new WebDriverWait(browser, Duration.ofSeconds(30)).ignoring(StaleElementReferenceException.class)
                .until(d -> !"0".equals(d.findElement(By.id("throughput-chart")).getAttribute("data-points")));
        assertTrue(!text(By.id("card-rate")).endsWith("\n0"), "the last ten seconds' rate: " + text(By.id("card-rate")));
        screenshot("overview");

        click(By.id("nav-topics"));
        waitForPage("topics");
        assertEquals(2, rows("topics-table"));
        assertTrue(text(By.id("topics-table")).contains("orders"));
        screenshot("topics");

        // A topic created from the console, and its configs changed there.
        browser.findElement(By.id("create-name")).sendKeys("payments");
        browser.findElement(By.id("create-partitions")).clear();
        browser.findElement(By.id("create-partitions")).sendKeys("2");
        browser.findElement(By.id("create-configs")).sendKeys("retention.ms=3600000\ncleanup.policy=compact");
        click(By.id("create-go"));
        wait.until(d -> d.findElement(By.tagName("h1")).getText().equals("Topic payments"));
        assertEquals(2, rows("partitions-table"));
        assertTrue(text(By.id("configs-table")).contains("compact"), text(By.id("configs-table")));
        browser.findElement(By.id("config-key")).sendKeys("retention.ms");
        browser.findElement(By.id("config-value")).sendKeys("7200000");
        click(By.id("config-set"));
        wait.until(d -> d.findElement(By.id("configs-table")).getText().contains("7200000"));
        browser.findElement(By.id("config-key")).clear();
        browser.findElement(By.id("config-key")).sendKeys("cleanup.policy");
        click(By.id("config-delete"));
        wait.until(d -> !d.findElement(By.id("configs-table")).getText().contains("compact"));
        browser.findElement(By.id("config-key")).clear();
        browser.findElement(By.id("config-key")).sendKeys("retention.ms");
        browser.findElement(By.id("config-value")).clear();
        browser.findElement(By.id("config-value")).sendKeys("soon");
        click(By.id("config-set"));
        wait.until(d -> d.findElement(By.id("config-message")).getText().startsWith("Not changed:"));
        screenshot("topic-change");
        click(By.id("nav-topics"));
        waitForPage("topics");
        wait.until(d -> d.findElement(By.id("topics-table")).getText().contains("payments"));
        browser.findElement(By.id("create-name")).sendKeys("orders");
        click(By.id("create-go"));
        wait.until(d -> d.findElement(By.id("create-message")).getText().contains("already exists"));

        click(By.linkText("orders"));
        waitForPage("topic");
        assertEquals(3, rows("partitions-table"));
        assertTrue(text(By.id("partitions-table")).contains("40"));
        assertTrue(text(By.id("configs-table")).contains("retention.ms"));
        assertTrue(text(By.id("configs-table")).contains("86400000"));
        screenshot("topic");

        click(By.cssSelector("#partitions-table tbody tr:nth-child(2) a.browse-link"));
        waitForPage("records");
        assertEquals(20, rows("records-table"));
        String records = text(By.id("records-table"));
        assertTrue(records.contains("order-1-0"), records);
        assertTrue(records.contains("{\"amount\":0,\"note\":\"<b>bold</b>\"}"), "markup is shown as text: " + records);
        assertTrue(records.contains("source = shop-1"), records);
        assertTrue(records.contains("2023-11-14 22:13:20"), "timestamps in UTC: " + records);
        screenshot("records");

        click(By.id("browse-next"));
        wait.until(d -> d.findElement(By.cssSelector("#records-table tbody tr td")).getText().equals("20"));
        browser.findElement(By.id("browse-offset")).sendKeys("35");
        click(By.id("browse-go"));
        wait.until(d -> d.findElement(By.cssSelector("#records-table tbody tr td")).getText().equals("35"));
        assertEquals(5, rows("records-table"));
        // From a time: the record stamped T0 + 12 s is offset 12.
        ((JavascriptExecutor) browser).executeScript("document.getElementById('browse-time').value = arguments[0];",
                "2023-11-14T22:13:32");
        click(By.id("browse-go"));
        wait.until(d -> d.findElement(By.cssSelector("#records-table tbody tr td")).getText().equals("12"));
        click(By.id("browse-hex"));
        wait.until(d -> d.findElement(By.id("records-table")).getText().contains("6f726465722d312d3132"));

        browser.get(console() + "/#/topics/blobs/records?partition=0");
        wait.withMessage("a binary value is shown in hex").until(d -> d.findElement(By.tagName("h1")).getText()
                .contains("blobs") && d.findElement(By.id("records-table")).getText().contains("000102ff"));

        click(By.id("nav-groups"));
        waitForPage("groups");
        assertTrue(text(By.id("groups-table")).contains("billing"));
        assertTrue(text(By.id("groups-table")).contains("classic"));
        screenshot("groups");

        click(By.linkText("billing"));
        waitForPage("group");
        assertTrue(text(By.id("card-lag")).contains("90"), "10 + 40 + 40: " + text(By.id("card-lag")));
        assertTrue(text(By.id("members-table")).contains("billing-1"));
        assertTrue(text(By.id("members-table")).contains("orders-0"), text(By.id("members-table")));
        assertEquals(3, rows("offsets-table"));
        assertTrue(text(By.id("offsets-table")).contains("30"));
        wait.until(d -> !d.findElements(By.cssSelector("#lag-chart .uplot")).isEmpty());
        screenshot("group");

        click(By.id("nav-store"));
        waitForPage("store");
        assertTrue(rows("files-table") >= 1);
        assertTrue(text(By.id("card-flush")).contains("ASYNC"));
        assertTrue(text(By.id("services-table")).contains("ferrite-flush"));
        assertTrue(!text(By.id("services-table")).contains("stopped"), "every store thread runs");
        assertTrue(text(By.id("positions-table")).contains("checkpointed"));
        screenshot("store");

        browser.get(console() + "/#/topics/nope");
        wait.until(d -> !d.findElements(By.id("error")).isEmpty());
        assertTrue(text(By.id("error")).contains("no topic nope"));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(console() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(console() + path)).header("Content-Type",
                "application/json").header("X-Ferrite-Console", "1").POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theJsonRefusesWhatDoesNotExistAndServesNothingElseOfTheClasspath() throws Exception {
        fill();
        HttpResponse<String> page = get("/api/topics/orders/records?partition=2&offset=38&limit=5");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("\"next\":40"), page.body());
        assertTrue(page.body().contains("\"text\":\"order-2-39\""), page.body());
        assertEquals(404, get("/api/topics/nope").statusCode());
        assertEquals(404, get("/api/topics/orders/records?partition=3").statusCode());
        assertEquals(400, get("/api/topics/orders/records?partition=0&offset=abc").statusCode());
        assertEquals(404, get("/api/groups/nobody").statusCode());
        assertEquals(404, get("/api/nothing").statusCode());
        assertEquals(404, get("/assets/../io/ferrite/server/console/version.properties").statusCode());
        assertEquals(404, get("/META-INF/MANIFEST.MF").statusCode());
        HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create(console() + "/api/topics"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"forged\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, forged.statusCode(), "a change without the console's header: " + forged.body());
        assertEquals(403, http.send(HttpRequest.newBuilder(URI.create(console() + "/api/topics"))
                .header("Content-Type", "application/json").header("X-Ferrite-Console", "1")
                .header("Origin", "http://evil.example").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"forged\"}")).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                "a change from a page of another origin");
        assertTrue(Console.trustedHost("127.0.0.1:9180") && Console.trustedHost("localhost")
                && Console.trustedHost("[::1]:9180") && Console.trustedHost("10.1.2.3"));
        assertFalse(Console.trustedHost("evil.example:9180") || Console.trustedHost(null)
                || Console.trustedHost("127.0.0.1.evil.example"));
        assertEquals(400, post("/api/topics", "{not json").statusCode());
        HttpResponse<String> huge = post("/api/topics", "{\"name\":\"" + "x".repeat(70 * 1024) + "\"}");
        assertEquals(400, huge.statusCode(), "over the 64 KiB a change may carry");
        assertTrue(huge.body().contains("larger than"), huge.body());
        assertEquals(400, post("/api/topics", "{\"name\":\"bad/name\"}").statusCode());
        assertEquals(400, post("/api/topics", "{\"name\":\"p\",\"partitions\":0}").statusCode());
        assertEquals(400, post("/api/topics", "{\"name\":\"p\",\"configs\":{\"retention.ms\":\"soon\"}}")
                .statusCode());
        assertEquals(409, post("/api/topics", "{\"name\":\"orders\"}").statusCode());
        assertEquals(404, post("/api/topics/nope/configs", "{\"set\":{\"retention.ms\":\"1\"}}").statusCode());
        assertEquals(200, post("/api/topics", "{\"name\":\"p\",\"partitions\":3}").statusCode());
        assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(console() + "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode());
        HttpResponse<String> group = get("/api/groups/billing");
        assertTrue(group.body().contains("\"lag\":10"), group.body());
        assertEquals(200, get("/assets/uPlot.iife.min.js").statusCode());
    }

    @Test
    void topicsRecordsGroupsAndChangesAreRefusedWhileAclsAreEnforced() throws Exception {
        try (Broker guarded = Broker.start(BrokerConfig.fromProperties(Map.of("listeners", "PLAINTEXT://127.0.0.1:0",
                "http.listener", "127.0.0.1:0", "log.dirs", dir.resolve("guarded").toString(),
                "store.commitlog.file.bytes", "1048576", "auto.create.topics.enable", "false",
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found", "true")), Clock.systemUTC())) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    "127.0.0.1:" + guarded.port()))) {
                admin.createTopics(List.of(new NewTopic("secret", 1, (short) 1))).all().get();
            }
            HttpResponse<String> records = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + guarded.httpPort() + "/api/topics/secret/records?partition=0")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, records.statusCode());
            assertTrue(records.body().contains("authorizer"), records.body());
            for (String page : List.of("/api/topics", "/api/topics/secret", "/api/groups")) {
                assertEquals(403, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + guarded.httpPort() + page)).build(), HttpResponse.BodyHandlers.ofString()).statusCode(), page);
            }
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + guarded.httpPort() + "/api/overview")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(403, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + guarded.httpPort()
                    + "/api/topics")).header("Content-Type", "application/json").header("X-Ferrite-Console", "1")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"made\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "no changes under ACLs");
        }
    }
}
