using System;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Training;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Generators.Tests
{
    /// <summary>
    /// The C# stub of tree models trained on the template's NSL-KDD sample equals the reference interpreter on
    /// every test row of the sample and on random encoded rows (any long), and allocates nothing.
    /// </summary>
    public class TreeStubTests
    {
        private const string FiveClasses = """
            {
              "normal": ["normal"],
              "DoS": ["back", "land", "neptune", "pod", "smurf", "teardrop", "apache2", "mailbomb", "processtable", "udpstorm"],
              "Probe": ["ipsweep", "nmap", "portsweep", "satan", "mscan", "saint"],
              "R2L": ["ftp_write", "guess_passwd", "imap", "multihop", "phf", "spy", "warezclient", "warezmaster", "named", "sendmail", "snmpgetattack", "snmpguess", "xlock", "xsnoop", "worm"],
              "U2R": ["buffer_overflow", "loadmodule", "perl", "rootkit", "httptunnel", "ps", "sqlattack", "xterm"]
            }
            """;

        private static string Template()
        {
            string root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "Homunculus.slnx"))) root = Path.GetDirectoryName(root)!;
            return Path.Combine(root, "templates", "content", "homunculus");
        }

        private static ModelFile Train(string algorithm, bool fiveClasses)
        {
            string specPath = Path.Combine(Template(), "anomaly.hspec");
            string text = File.ReadAllText(specPath)
                .Replace("\"algorithms\": [\"dnn\"]", $"\"algorithms\": [\"{algorithm}\"]")
                .Replace("\"model\": { \"dnn\": { \"hidden\": [12, 6, 3] } }", "\"model\": { \"forest\": { \"trees\": 8 }, \"boosted\": { \"trees\": 15 } }");
            if (fiveClasses) text = text.Replace("{ \"normal\": [\"normal\"], \"attack\": \"*\" }", FiveClasses);
            var diagnostics = new DiagnosticBag();
            var spec = HSpecParser.Parse(specPath, text, diagnostics);
            Assert.True(spec is not null, string.Join("\n", diagnostics.Items));
            var data = DataLoader.Load(spec!, DataLoader.ReadFiles(spec!, diagnostics)!, diagnostics)!;
            var family = ModelFamilies.Find(algorithm)!;
            var result = family.Train(new TrainingSet(data.Features, data.Classes, data.Train, data.Train, data.Test), spec!.Settings[algorithm], spec.Seed, default);
            return new ModelFile
            {
                Name = spec.Name,
                SpecFile = "anomaly.hspec",
                Algorithm = algorithm,
                Features = data.Features.ToEquatableArray(),
                Classes = data.Classes.ToEquatableArray(),
                Model = result.Model,
            };
        }

        [Theory]
        [InlineData("tree", false, false)]
        [InlineData("forest", true, true)]
        [InlineData("boosted", false, true)]
        [InlineData("boosted", true, false)]
        public void Stub_equals_the_reference_interpreter_on_the_sample_and_on_random_rows(string algorithm, bool fiveClasses, bool checkOverflow)
        {
            var model = Train(algorithm, fiveClasses);
            Assert.Empty(StubModelCheck.Problems(model));
            var bridge = BitExactnessTests.CompileWithBridge(model, checkOverflow);
            var predict = bridge.GetMethod("PredictEncoded")!.CreateDelegate<Func<long[], int>>();
            var parseEncode = bridge.GetMethod("ParseEncode")!.CreateDelegate<Func<string[], long[]>>();

            int[] featureColumns = { 0, 1, 2, 4, 5, 7, 8 };   // duration, protocol_type, service, src_bytes, dst_bytes, wrong_fragment, urgent
            int rows = 0;
            foreach (var line in File.ReadLines(Path.Combine(Template(), "data", "test.csv")))
            {
                var fields = line.Split(',');
                var encoded = parseEncode(featureColumns.Select(c => fields[c]).ToArray());
                Assert.Equal(ReferenceInterpreter.Predict(model, encoded), predict(encoded));
                rows++;
            }
            Assert.True(rows > 2000);

            var rng = new Random(31);
            for (int r = 0; r < 3000; r++)
            {
                var encoded = model.Features.Select(f => rng.Next(6) switch
                {
                    0 => rng.NextInt64(long.MinValue, long.MaxValue),
                    1 => f.Max,
                    2 => rng.NextInt64(0, 64),
                    _ => rng.NextInt64(0, f.Max + 2),
                }).ToArray();
                Assert.Equal(ReferenceInterpreter.Predict(model, encoded), predict(encoded));
            }
        }

        [Fact]
        public void Tree_stub_allocates_nothing()
        {
            var model = Train("tree", fiveClasses: true);
            var bridge = BitExactnessTests.CompileWithBridge(model, checkOverflow: false);
            var many = bridge.GetMethod("PredictMany")!.CreateDelegate<Func<long[], double[], long[], int, long>>();
            var ints = new long[model.Features.Count];
            var doubles = new double[model.Features.Count];
            var encoded = new long[model.Features.Count];
            many(ints, doubles, encoded, 1000);
            long before = GC.GetAllocatedBytesForCurrentThread();
            many(ints, doubles, encoded, 10000);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
