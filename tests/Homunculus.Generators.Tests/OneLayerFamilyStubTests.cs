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
    /// The stubs of models trained by the one-layer families (svm, logistic, kmeans, naive-bayes) on the template's
    /// NSL-KDD sample equal the reference interpreter on every test row and on random encoded rows: outputs mapped
    /// to classes (k-means) and squared inputs (naive Bayes) included.
    /// </summary>
    public class OneLayerFamilyStubTests
    {
        private const string FiveClasses =
            "{ \"normal\": [\"normal\"], " +
            "\"DoS\": [\"back\", \"land\", \"neptune\", \"pod\", \"smurf\", \"teardrop\", \"apache2\", \"mailbomb\", \"processtable\", \"udpstorm\"], " +
            "\"Probe\": [\"ipsweep\", \"nmap\", \"portsweep\", \"satan\", \"mscan\", \"saint\"], " +
            "\"R2L\": [\"ftp_write\", \"guess_passwd\", \"imap\", \"multihop\", \"phf\", \"spy\", \"warezclient\", \"warezmaster\", \"named\", \"sendmail\", \"snmpgetattack\", \"snmpguess\", \"xlock\", \"xsnoop\", \"worm\"], " +
            "\"U2R\": [\"buffer_overflow\", \"loadmodule\", \"perl\", \"rootkit\", \"httptunnel\", \"ps\", \"sqlattack\", \"xterm\"] }";

        [Theory]
        [InlineData("svm", 2)]
        [InlineData("logistic", 2)]
        [InlineData("kmeans", 2)]
        [InlineData("naive-bayes", 2)]
        [InlineData("kmeans", 5)]
        [InlineData("naive-bayes", 5)]
        public void Stub_equals_the_reference_interpreter_on_the_sample(string family, int classes)
        {
            string root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "Homunculus.slnx"))) root = Path.GetDirectoryName(root)!;
            string specPath = Path.Combine(root, "templates", "content", "homunculus", "anomaly.hspec");
            string text = File.ReadAllText(specPath);
            if (classes == 5) text = text.Replace("{ \"normal\": [\"normal\"], \"attack\": \"*\" }", FiveClasses);
            var diagnostics = new DiagnosticBag();
            var spec = HSpecParser.Parse(specPath, text, diagnostics)!;
            var data = DataLoader.Load(spec, DataLoader.ReadFiles(spec, diagnostics)!, diagnostics)!;
            Assert.Equal(classes, data.Classes.Count);

            var trainer = ModelFamilies.Find(family)!;
            var settings = trainer.ReadSettings(null, new SpecReader(specPath, "{}", diagnostics));
            var result = trainer.Train(new TrainingSet(data.Features, data.Classes, data.Train, data.Train, data.Test), settings, 7, default);
            var model = new ModelFile
            {
                Name = "NslKdd " + family,
                SpecFile = "anomaly.hspec",
                CompilerVersion = "0.1.0-test",
                Algorithm = family,
                Features = data.Features.ToEquatableArray(),
                Classes = data.Classes.ToEquatableArray(),
                Model = result.Model,
            };
            var mlp = (MlpModel)model.Model;
            if (family == "kmeans") Assert.NotEmpty(mlp.OutputClasses);
            if (family == "naive-bayes") Assert.Contains(mlp.Inputs, i => i.Transform == InputTransform.Square);

            var bridge = BitExactnessTests.CompileWithBridge(model, checkOverflow: false);
            var predict = (Func<long[], int>)bridge.GetMethod("PredictEncoded")!.CreateDelegate(typeof(Func<long[], int>));
            var seen = new bool[classes];
            for (int r = 0; r < data.Test.Rows; r++)
            {
                var row = data.Test.Row(r);
                int expected = ReferenceInterpreter.Predict(model, row);
                Assert.Equal(expected, predict(row));
                seen[expected] = true;
            }
            Assert.True(seen.Count(s => s) >= 2, "the model predicts a single class on the whole test file");

            var rng = new Random(99);
            for (int n = 0; n < 2000; n++)
            {
                var row = model.Features.Select(f => rng.Next(3) == 0 ? rng.NextInt64(0, (1L << f.FieldBits)) : rng.NextInt64(0, f.Max + 2)).ToArray();
                Assert.Equal(ReferenceInterpreter.Predict(model, row), predict(row));
            }
        }
    }
}

namespace Homunculus.Generators.Tests
{
    public class OneLayerShapeCheckTests
    {
        [Fact]
        public void Output_classes_and_squares_are_checked()
        {
            var model = TestModels.RandomOneLayer(1);
            var mlp = (MlpModel)model.Model;
            Assert.NotEmpty(mlp.OutputClasses);
            Assert.Contains(mlp.Inputs, i => i.Transform == InputTransform.Square);
            Assert.Empty(StubModelCheck.Problems(model));

            var shortMap = model with { Model = mlp with { OutputClasses = mlp.OutputClasses.Skip(1).ToEquatableArray() } };
            Assert.Contains(StubModelCheck.Problems(shortMap), p => p.Contains("output classes", StringComparison.Ordinal));

            var badClass = model with { Model = mlp with { OutputClasses = mlp.OutputClasses.Select((c, j) => j == 0 ? model.Classes.Count : c).ToEquatableArray() } };
            Assert.Contains(StubModelCheck.Problems(badClass), p => p.Contains("maps to class", StringComparison.Ordinal));

            int square = Enumerable.Range(0, mlp.Inputs.Count).First(i => mlp.Inputs[i].Transform == InputTransform.Square);
            var badSquare = model with
            {
                Model = mlp with { Inputs = mlp.Inputs.Select((input, i) => i == square ? input with { Base = InputTransform.OneHot } : input).ToEquatableArray() },
            };
            Assert.Contains(StubModelCheck.Problems(badSquare), p => p.Contains("squares", StringComparison.Ordinal));
        }
    }
}
