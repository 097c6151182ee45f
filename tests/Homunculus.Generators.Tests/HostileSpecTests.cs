using System;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Pipeline;

namespace Homunculus.Generators.Tests
{
    /// <summary>
    /// Names crafted to break out of identifiers, strings and comments, through the whole pipeline: the
    /// .hspec and the data carry them, and every generated program keeps them inside escaped comments or
    /// string literals, and the C# stub compiles.
    /// </summary>
    public class HostileSpecTests
    {
        private static readonly string[] Hostile =
        {
            "a\"; System.Environment.Exit(1); //",
            "*/ evil() /*",
            "c\\u000a d",
            "apply",
            "3rd \u03b5 feature",
        };

        [Fact]
        public void Hostile_names_stay_in_comments_and_strings_and_the_stub_compiles()
        {
            string root = Path.Combine(Path.GetTempPath(), "hmc-hostile-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(root);
            try
            {
                string Quote(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";
                var random = new Random(4);
                var csv = new System.Text.StringBuilder();
                csv.Append(string.Join(",", Hostile.Select(Quote).Append("label"))).Append('\n');
                string[] categories = { "tcp */ x", "\"; rm -rf /", "udp" };
                for (int i = 0; i < 200; i++)
                {
                    int a = random.Next(1000), b = random.Next(100000), c = random.Next(50), d = random.Next(3);
                    string label = a > 500 ? "bad\"); DROP TABLE x; --" : "*/ good";
                    csv.Append($"{a},{b},{c},{Quote(categories[d])},{random.Next(10)},{Quote(label)}\n");
                }
                File.WriteAllText(Path.Combine(root, "train.csv"), csv.ToString());
                string J(string s) => Newtonsoft.Json.JsonConvert.ToString(s);
                string spec = "{ \"name\": " + J("Evil */ \" program") + ", \"data\": { \"train\": \"train.csv\", \"label\": \"label\" },"
                    + " \"features\": [" + J(Hostile[0]) + ", " + J(Hostile[1]) + ", " + J(Hostile[2]) + ", { \"name\": " + J(Hostile[3]) + ", \"type\": \"categorical\" }, " + J(Hostile[4]) + "],"
                    + " \"model\": { \"dnn\": { \"hidden\": [4], \"epochs\": 3 } }, \"platform\": { \"target\": \"taurus\" } }";
                File.WriteAllText(Path.Combine(root, "evil.hspec"), spec);

                var result = Compilation.Run(new CompileRequest(Path.Combine(root, "evil.hspec"), Path.Combine(root, "out"), null, null), default);
                Assert.True(result.Success, string.Join("\n", result.Diagnostics));

                var raw = Hostile.Concat(categories).Append("Evil */ \" program").Append("bad\"); DROP TABLE x; --").ToArray();
                foreach (var (path, content) in result.Files!.Where(f => !new[] { ".md", ".json", ".pcap" }.Any(e => f.Key.EndsWith(e, StringComparison.Ordinal))))
                {
                    Assert.DoesNotContain("*/", content);
                    foreach (var line in content.Split('\n'))
                    {
                        // Only the texts that could break out of something (plain words like "apply" may be identifiers).
                        foreach (var text in raw.Where(t => t.Any(ch => !char.IsLetterOrDigit(ch) && ch != ' ' && ch != '_')))
                        {
                            int at = line.IndexOf(text, StringComparison.Ordinal);
                            if (at < 0) continue;
                            int comment = line.IndexOf("//", StringComparison.Ordinal);
                            int hash = line.TrimStart().StartsWith('#') ? 0 : -1;
                            Assert.True((comment >= 0 && comment < at) || hash == 0, $"{path}: '{text}' outside a comment: {line}");
                        }
                    }
                    Assert.DoesNotContain("\\u000a", content);
                    Assert.True(content.All(ch => ch == '\n' || (ch >= 0x20 && ch < 0x7F)), $"{path} holds a control or non-ASCII character");
                }

                string stub = GeneratorHarness.Generate(result.Model!, "Hostile.App");
                var (_, diagnostics) = GeneratorHarness.Compile(false, stub);
                Assert.Empty(diagnostics);
                Assert.DoesNotContain("Environment.Exit(1); //\n", stub);
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
