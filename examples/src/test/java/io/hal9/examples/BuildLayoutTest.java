package io.hal9.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What users get from the build, read from the POMs: hal9-bom lists every published module (and nothing
 * else) at the build's version and versions every library those modules depend on, holds the only copy of
 * HAL9's version, and the reference server, the benchmarks and the consumer builds are neither installed nor
 * deployed.
 */
@Timeout(30)
class BuildLayoutTest {
    /** The repository's root: tests run in examples/. */
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void theBomListsEveryPublishedModuleAtTheBuildsVersion() throws Exception {
        Document bom = read(ROOT.resolve("hal9-bom/pom.xml"));
        Map<String, String> listed = new TreeMap<>();
        Element managed = child(child(bom.getDocumentElement(), "dependencyManagement"), "dependencies");
        for (Element d : children(managed, "dependency")) {
            if (text(d, "groupId").equals("io.hal9")) {
                listed.put(text(d, "artifactId"), text(d, "version"));
            }
        }
        List<String> published = new ArrayList<>();
        for (Element pom : publishedModules()) {
            published.add(text(pom, "artifactId"));
        }
        assertThat(published).as("published library modules").contains("hal9-core", "hal9-ws");
        assertThat(listed.keySet())
                .as("io.hal9 artifacts in hal9-bom: every module the build publishes, no other")
                .containsExactlyInAnyOrderElementsOf(published);
        assertThat(listed.values()).as("their versions").containsOnly("${project.version}");
    }

    @Test
    void everyLibraryAPublishedModuleRunsOnIsVersionedByTheBom() throws Exception {
        Element managed = child(
                child(read(ROOT.resolve("hal9-bom/pom.xml")).getDocumentElement(), "dependencyManagement"),
                "dependencies");
        List<String> pinned = new ArrayList<>(); // groupId:artifactId
        List<String> families = new ArrayList<>(); // groupIds of imported BOMs
        for (Element d : children(managed, "dependency")) {
            if (optionalText(d, "scope", "compile").equals("import")) {
                families.add(text(d, "groupId"));
            } else {
                pinned.add(text(d, "groupId") + ":" + text(d, "artifactId"));
            }
        }
        assertThat(families).as("BOMs hal9-bom imports").contains("io.netty");
        List<String> unmanaged = new ArrayList<>();
        for (Element pom : publishedModules()) {
            for (Element d : children(child(pom, "dependencies"), "dependency")) {
                String scope = optionalText(d, "scope", "compile");
                String group = text(d, "groupId");
                String ga = group + ":" + text(d, "artifactId");
                boolean managedHere = pinned.contains(ga) || families.stream().anyMatch(group::startsWith);
                if (!scope.equals("test") && !managedHere) {
                    unmanaged.add(text(pom, "artifactId") + " -> " + ga);
                }
            }
        }
        assertThat(unmanaged)
                .as("dependencies of published modules whose version users would not get from hal9-bom")
                .isEmpty();
    }

    @Test
    void theVersionIsWrittenOnceInTheBomWhichTheParentInherits() throws Exception {
        Element bom = read(ROOT.resolve("hal9-bom/pom.xml")).getDocumentElement();
        Element parent = read(ROOT.resolve("pom.xml")).getDocumentElement();
        assertThat(children(bom, "parent"))
                .as("hal9-bom's parent: none, so importing it brings no build")
                .isEmpty();
        assertThat(text(child(parent, "parent"), "artifactId")).isEqualTo("hal9-bom");
        assertThat(children(parent, "version"))
                .as("hal9-parent's own version: inherited")
                .isEmpty();
        assertThat(text(bom, "version")).isEqualTo(text(child(parent, "parent"), "version"));
        for (String kept : List.of("url", "licenses", "scm", "developers")) {
            assertThat(children(bom, kept)).as("hal9-bom's <%s>", kept).hasSize(1);
        }
    }

    @Test
    void theReferenceServerTheBenchmarksAndTheConsumerBuildsAreNeitherInstalledNorDeployed() throws Exception {
        for (String module : List.of("examples", "benchmarks", "consumers")) {
            Element props = child(read(ROOT.resolve(module).resolve("pom.xml")).getDocumentElement(), "properties");
            assertThat(optionalText(props, "maven.install.skip", "false"))
                    .as(module + " installed")
                    .isEqualTo("true");
            assertThat(optionalText(props, "maven.deploy.skip", "false"))
                    .as(module + " deployed")
                    .isEqualTo("true");
        }
    }

    @Test
    void theLicenceAndTheNoticeAreAtTheRoot() throws Exception {
        assertThat(Files.readString(ROOT.resolve("LICENSE")))
                .contains("Apache License")
                .contains("Version 2.0");
        assertThat(Files.readString(ROOT.resolve("NOTICE"))).contains("HAL9");
    }

    /** The root elements of the POMs of the modules the build publishes: jars without maven.deploy.skip. */
    private static List<Element> publishedModules() throws Exception {
        List<Element> out = new ArrayList<>();
        for (Element m : children(child(read(ROOT.resolve("pom.xml")).getDocumentElement(), "modules"), "module")) {
            Element pom = read(ROOT.resolve(m.getTextContent().strip()).resolve("pom.xml"))
                    .getDocumentElement();
            String packaging = optionalText(pom, "packaging", "jar");
            boolean deployed = !optionalText(child(pom, "properties"), "maven.deploy.skip", "false")
                    .equals("true");
            if (packaging.equals("jar") && deployed) {
                out.add(pom);
            }
        }
        return out;
    }

    private static Document read(Path pom) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(pom.toFile());
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        assertThat(found).as("<%s> in <%s>", name, parent.getTagName()).hasSize(1);
        return found.get(0);
    }

    private static String text(Element parent, String name) {
        return child(parent, name).getTextContent().strip();
    }

    private static String optionalText(Element parent, String name, String otherwise) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? otherwise : found.get(0).getTextContent().strip();
    }
}
