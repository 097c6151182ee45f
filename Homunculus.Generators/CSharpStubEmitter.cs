using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;

namespace Homunculus.Generators
{
    /// <summary>
    /// Writes the C# inference stub of a model file (docs/csharp-stub.md). The arithmetic is the reference
    /// interpreter's (<see cref="ReferenceInterpreter"/>, <see cref="FeatureEncoder"/>, <see cref="Model.Interpretation.Compand"/>),
    /// unrolled with constant weights. User text only reaches the output through <see cref="Identifiers"/> and
    /// <see cref="Escaping"/>; numbers are formatted with the invariant culture, so the text is the same everywhere.
    /// </summary>
    public static class CSharpStubEmitter
    {
        public const string GeneratorName = "Homunculus.Generators";

        /// <summary>Terms per line above which an accumulator is written one term per line.</summary>
        private const int TermsPerLine = 4;

        /// <summary>The stub's source text. Call <see cref="StubModelCheck.Problems"/> first: the model must have none.</summary>
        public static string Emit(ModelFile model, string rootNamespace)
        {
            var mlp = model.Model as MlpModel ?? new MlpModel(); // trees: see CSharpTreeStub
            var w = new CodeWriter();
            GeneratedHeader.Write(w, GeneratorName, model);
            w.Line("#nullable enable");
            w.Line();

            string ns = NamespaceName(rootNamespace);
            if (ns.Length > 0)
            {
                w.Line("namespace " + ns);
                w.Line("{");
                w.Indent();
            }

            if (Schedules.Of(model) is not null) new Writer(w, model, mlp).WriteSchedule(ns);
            else new Writer(w, model, mlp).WriteClass();

            if (ns.Length > 0)
            {
                w.Outdent();
                w.Line("}");
            }
            return w.ToString();
        }

        /// <summary>
        /// The namespace for <c>build_property.RootNamespace</c>: empty (global namespace) when blank; each dotted
        /// part kept when it is a valid identifier (keywords get "@"), else mapped through <see cref="Identifiers.CSharp"/>.
        /// </summary>
        public static string NamespaceName(string? rootNamespace)
        {
            if (rootNamespace is null || rootNamespace.Trim().Length == 0) return "";
            var parts = new List<string>();
            foreach (var raw in rootNamespace.Trim().Split('.'))
            {
                string part = raw.Trim();
                if (Microsoft.CodeAnalysis.CSharp.SyntaxFacts.IsValidIdentifier(part) && IsPlainAscii(part))
                {
                    bool keyword = Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(part) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None;
                    parts.Add(keyword ? "@" + part : part);
                }
                else
                {
                    parts.Add(Identifiers.CSharp(part));
                }
            }
            return string.Join(".", parts);
        }

        private static bool IsPlainAscii(string text) => text.All(c => c < 128);

        private static string Lit(long value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>An int literal ("-2147483648" is an int constant only written exactly like this).</summary>
        private static string IntLit(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static string LongLit(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

        /// <summary>User text for an XML doc comment: comment-safe, then XML-escaped.</summary>
        private static string Doc(string text) =>
            Escaping.Comment(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

        private static string Str(string text) => Escaping.CSharpString(text);

        private sealed class Writer
        {
            private readonly CodeWriter _w;
            private readonly ModelFile _model;
            private readonly MlpModel _mlp;
            private readonly string _typeName;
            private readonly string[] _fields;
            private readonly IReadOnlyList<string> _classMembers;

            public Writer(CodeWriter w, ModelFile model, MlpModel mlp)
            {
                _w = w;
                _model = model;
                _mlp = mlp;
                _typeName = StubNames.TypeName(model);
                _fields = model.Features.Select(f => Identifiers.CSharp(f.Name)).ToArray();
                _classMembers = StubNames.ClassMembers(model.Classes);
            }

            private IReadOnlyList<FeatureEncoding> Features => _model.Features;

            private IDisposable Braces(string opening)
            {
                _w.Line(opening);
                return _w.Block("{", "}");
            }

            public void WriteClass()
            {
                _w.Line($"/// <summary>Inference stub of the Homunculus model '{Doc(_model.Name)}' ({Doc(_model.Model.Kind)}, from {Doc(_model.SpecFile)}): the integer arithmetic of the compiled data-plane program.</summary>");
                using (Braces($"public static partial class {_typeName}"))
                {
                    WriteConstants();
                    WriteClassEnum();
                    for (int f = 0; f < Features.Count; f++)
                    {
                        if (Features[f].Kind == FeatureKind.Categorical) WriteCategoryEnum(f);
                    }
                    WriteFeaturesStruct();
                    WriteNames();
                    WritePredict();
                    WritePredictEncoded();
                    WriteEncode();
                    for (int f = 0; f < Features.Count; f++)
                    {
                        if (Features[f].Kind == FeatureKind.Categorical) WriteParseCategory(f);
                    }
                    WriteParse();
                    if (_model.ReadsPacketFields) new PacketFieldStub(_w, _model, _fields).Write();
                    if (ClassActions.Any(_model)) ActionStub.Write(_w, _model, _classMembers);
                    WriteTryGetClass();
                    WriteEvaluate();
                    WriteHelpers();
                }
            }

            /// <summary>
            /// The stub of a schedule (docs/schedule.md): the shared features (struct, encoding, parsing, FromPacket and
            /// FlowTracker) as in a model's stub, the combined <c>Decide</c>, and one nested class per model with its
            /// classes, <c>Predict</c> and <c>PredictEncoded</c>.
            /// </summary>
            public void WriteSchedule(string ns)
            {
                var schedule = Schedules.Of(_model)!;
                var ids = schedule.Models.Select(m => Identifiers.CSharp(m.Name)).ToList();
                string qualified = "global::" + (ns.Length > 0 ? ns + "." : "") + _typeName;
                _w.Line($"/// <summary>Inference stub of the Homunculus schedule '{Doc(_model.Name)}' ({IntLit(schedule.Models.Count)} models, from {Doc(_model.SpecFile)}): the integer arithmetic of the compiled data-plane program.</summary>");
                using (Braces($"public static partial class {_typeName}"))
                {
                    WriteFeatureCount();
                    for (int f = 0; f < Features.Count; f++)
                    {
                        if (Features[f].Kind == FeatureKind.Categorical) WriteCategoryEnum(f);
                    }
                    WriteFeaturesStruct();
                    WriteFeatureNameArray();
                    WriteFeatureNamesProperty();
                    WriteEncode();
                    for (int f = 0; f < Features.Count; f++)
                    {
                        if (Features[f].Kind == FeatureKind.Categorical) WriteParseCategory(f);
                    }
                    WriteParse();
                    if (_model.ReadsPacketFields) new PacketFieldStub(_w, _model, _fields).Write();
                    WriteDecision(schedule, ids, qualified);
                    for (int m = 0; m < schedule.Models.Count; m++)
                    {
                        var view = Schedules.View(_model, m);
                        new Writer(_w, view, view.Model as MlpModel ?? new MlpModel()).WriteScheduledModel(schedule, m, ids, this);
                    }
                    WriteHelpers();
                }
            }

            private static string Runs(ScheduleModel schedule, ScheduledModel model)
            {
                if (model.After is null) return "runs for every row";
                var earlier = schedule.Models[schedule.AfterIndex(model)];
                string runs = model.When.Count == 0 ? $"runs after '{model.After}'"
                    : $"runs after '{model.After}' when it decides {string.Join(" or ", model.When.Select(c => $"'{earlier.Classes[c].Name}'"))}";
                return model.Input ? runs + ", reading its class" : runs;
            }

            private void WriteDecision(ScheduleModel schedule, IReadOnlyList<string> ids, string qualified)
            {
                string decision = StubNames.DecisionStruct;
                _w.Line();
                _w.Line("/// <summary>The combined decision of the schedule: each model's class, null where the model does not run.</summary>");
                using (Braces($"public struct {decision}"))
                {
                    for (int m = 0; m < ids.Count; m++)
                    {
                        if (m > 0) _w.Line();
                        _w.Line($"/// <summary>Model '{Doc(schedule.Models[m].Name)}' ({Doc(Runs(schedule, schedule.Models[m]))}).</summary>");
                        _w.Line($"public {qualified}.{ids[m]}.{StubNames.ClassEnum}? {ids[m]};");
                    }
                }
                _w.Line();
                _w.Line("/// <summary>Every model's class for one row of raw values, as the switch decides it: <see cref=\"Encode\"/>, then the schedule. Allocates nothing.</summary>");
                using (Braces($"public static {decision} {StubNames.Decide}(in {StubNames.FeaturesStruct} features)"))
                {
                    WriteArguments("return " + StubNames.Evaluate, EncodeExpression, ";");
                }
                _w.Line();
                _w.Line("/// <summary>Every model's class for one encoded row: the header field values in feature order, exactly <see cref=\"FeatureCount\"/> of them.</summary>");
                using (Braces($"public static {decision} {StubNames.DecideEncoded}(global::System.ReadOnlySpan<long> encoded)"))
                {
                    WriteLengthCheck();
                    WriteArguments("return " + StubNames.Evaluate, f => $"encoded[{IntLit(f)}]", ";");
                }
                var parameters = string.Join(", ", Enumerable.Range(0, Features.Count).Select(f => "long f" + IntLit(f)));
                _w.Line();
                _w.Line("/// <summary>The schedule on one encoded row: each model in order, if the model it runs after decided one of its classes.</summary>");
                using (Braces($"private static {decision} {StubNames.Evaluate}({parameters})"))
                {
                    _w.Line($"{decision} decision = default;");
                    for (int m = 0; m < ids.Count; m++)
                    {
                        var model = schedule.Models[m];
                        int after = schedule.AfterIndex(model);
                        var args = model.Features.Select(f => "f" + IntLit(f)).ToList();
                        if (model.Input) args.Add($"(long)decision.{ids[after]}.Value");
                        string assign = $"decision.{ids[m]} = {ids[m]}.{StubNames.Evaluate}({string.Join(", ", args)});";
                        _w.Line($"// '{Escaping.Comment(model.Name)}' {Escaping.Comment(Runs(schedule, model))}");
                        if (after < 0)
                        {
                            _w.Line(assign);
                            continue;
                        }
                        var members = StubNames.ClassMembers(schedule.Models[after].Classes);
                        string condition = model.When.Count == 0 ? $"decision.{ids[after]}.HasValue"
                            : string.Join(" || ", model.When.Select(c => $"decision.{ids[after]} == {ids[after]}.{StubNames.ClassEnum}.{members[c]}"));
                        _w.Line($"if ({condition})");
                        using (_w.Block("{", "}")) _w.Line(assign);
                    }
                    _w.Line("return decision;");
                }
            }

            private void WriteLengthCheck()
            {
                _w.Line($"if (encoded.Length != {StubNames.FeatureCount})");
                _w.Line("{");
                _w.Indent();
                _w.Line($"throw new global::System.ArgumentException(\"expected {IntLit(Features.Count)} encoded features, got \" + encoded.Length.ToString(global::System.Globalization.CultureInfo.InvariantCulture), nameof(encoded));");
                _w.Outdent();
                _w.Line("}");
                _w.Line();
            }

            /// <summary>One model of a schedule as a nested class; <paramref name="shared"/> writes the schedule's shared features.</summary>
            private void WriteScheduledModel(ScheduleModel schedule, int index, IReadOnlyList<string> ids, Writer shared)
            {
                var model = schedule.Models[index];
                int after = schedule.AfterIndex(model);
                _w.Line();
                _w.Line($"/// <summary>Model '{Doc(model.Name)}' of the schedule ({Doc(model.Algorithm)}, {Doc(Runs(schedule, model))}): its classes, and its class of a row.</summary>");
                using (Braces($"public static class {ids[index]}"))
                {
                    WriteClassCount();
                    WriteClassEnum();
                    WriteClassNameArray();
                    WriteClassNamesProperty();
                    _w.Line();
                    _w.Line($"/// <summary>The model's class of one row of raw values, whether or not it runs for the row in the schedule (<see cref=\"{StubNames.Decide}\"/> says). Allocates nothing.</summary>");
                    using (Braces($"public static {StubNames.ClassEnum} {StubNames.Predict}(in {StubNames.FeaturesStruct} features)"))
                    {
                        WriteArguments("return " + StubNames.Evaluate, i => i < model.Features.Count ? shared.EncodeExpression(model.Features[i]) : $"(long){ids[after]}.{StubNames.Predict}(features)", ";");
                    }
                    _w.Line();
                    _w.Line($"/// <summary>The model's class of one encoded row of the schedule's features (exactly <see cref=\"{StubNames.FeatureCount}\"/> of them).</summary>");
                    using (Braces($"public static {StubNames.ClassEnum} {StubNames.PredictEncoded}(global::System.ReadOnlySpan<long> encoded)"))
                    {
                        shared.WriteLengthCheck();
                        WriteArguments("return " + StubNames.Evaluate, i => i < model.Features.Count ? $"encoded[{IntLit(model.Features[i])}]" : $"(long){ids[after]}.{StubNames.PredictEncoded}(encoded)", ";");
                    }
                    WriteTryGetClass();
                    if (ClassActions.Any(_model)) ActionStub.Write(_w, _model, _classMembers);
                    WriteEvaluate("internal");
                }
            }

            private void WriteConstants()
            {
                WriteFeatureCount();
                _w.Line();
                WriteClassCount();
            }

            private void WriteFeatureCount()
            {
                _w.Line("/// <summary>Number of features (fields of <see cref=\"Features\"/>, values of an encoded row).</summary>");
                _w.Line($"public const int {StubNames.FeatureCount} = {IntLit(Features.Count)};");
            }

            private void WriteClassCount()
            {
                _w.Line("/// <summary>Number of classes (members of <see cref=\"Class\"/>).</summary>");
                _w.Line($"public const int {StubNames.ClassCount} = {IntLit(_model.Classes.Count)};");
            }

            private void WriteClassEnum()
            {
                _w.Line();
                _w.Line("/// <summary>The classes the model predicts; the value is the class index.</summary>");
                using (Braces($"public enum {StubNames.ClassEnum}"))
                {
                    for (int c = 0; c < _model.Classes.Count; c++)
                    {
                        var cls = _model.Classes[c];
                        string labels = cls.Labels.Count == 0 ? "" : " Labels: " + string.Join(", ", cls.Labels.Select(l => "'" + Doc(l) + "'")) + ".";
                        if (cls.TakesOtherLabels) labels += " Also every label no other class lists.";
                        _w.Line($"/// <summary>Class '{Doc(cls.Name)}'.{labels}</summary>");
                        _w.Line($"{_classMembers[c]} = {IntLit(c)},");
                    }
                }
            }

            private void WriteCategoryEnum(int f)
            {
                var feature = Features[f];
                var members = StubNames.CategoryMembers(feature);
                _w.Line();
                _w.Line($"/// <summary>The categories of feature '{Doc(feature.Name)}'; the value is the encoded category code.</summary>");
                using (Braces($"public enum {_fields[f]}"))
                {
                    for (int code = 0; code < feature.Categories.Count; code++)
                    {
                        _w.Line($"/// <summary>Category '{Doc(feature.Categories[code])}'.</summary>");
                        _w.Line($"{members[code]} = {IntLit(code)},");
                    }
                    _w.Line("/// <summary>Any value not among the categories seen in training.</summary>");
                    _w.Line($"{members[feature.UnknownCode]} = {IntLit(feature.UnknownCode)},");
                }
            }

            private string FieldType(int f) => Features[f].Kind switch
            {
                FeatureKind.Integer => "long",
                FeatureKind.Fractional => "double",
                _ => _fields[f],
            };

            private void WriteFeaturesStruct()
            {
                _w.Line();
                _w.Line("/// <summary>One row of raw feature values, in model order.</summary>");
                using (Braces($"public struct {StubNames.FeaturesStruct}"))
                {
                    for (int f = 0; f < Features.Count; f++)
                    {
                        if (f > 0) _w.Line();
                        var feature = Features[f];
                        string how = feature.Kind == FeatureKind.Categorical
                            ? IntLit(feature.Categories.Count) + " categories"
                            : $"{(feature.Kind == FeatureKind.Integer ? "integer" : "fractional")}, encoded as clamp(round(value * {Lit(feature.Scale)}){OffsetText(feature.Offset)}, 0, {Lit(feature.Max)})";
                        _w.Line($"/// <summary>Feature '{Doc(feature.Name)}' ({how}).</summary>");
                        _w.Line($"public {FieldType(f)} {_fields[f]};");
                    }
                }
            }

            private static string OffsetText(long offset) =>
                offset == 0 ? "" : offset > 0 || offset == long.MinValue ? " - " + Lit(offset) : " + " + Lit(-offset);

            private void WriteNames()
            {
                WriteFeatureNameArray();
                WriteClassNameArray();
                WriteFeatureNamesProperty();
                WriteClassNamesProperty();
            }

            private void WriteFeatureNameArray()
            {
                _w.Line();
                _w.Line("private static readonly string[] s_featureNames =");
                using (_w.Block("{", "};"))
                {
                    foreach (var feature in Features) _w.Line(Str(feature.Name) + ",");
                }
            }

            private void WriteClassNameArray()
            {
                _w.Line();
                _w.Line("private static readonly string[] s_classNames =");
                using (_w.Block("{", "};"))
                {
                    foreach (var cls in _model.Classes) _w.Line(Str(cls.Name) + ",");
                }
            }

            private void WriteFeatureNamesProperty()
            {
                _w.Line();
                _w.Line("/// <summary>The features' names as written in the .hspec, in model order.</summary>");
                _w.Line($"public static global::System.ReadOnlySpan<string> {StubNames.FeatureNames} => s_featureNames;");
            }

            private void WriteClassNamesProperty()
            {
                _w.Line();
                _w.Line("/// <summary>The classes' names as written in the .hspec, by class index.</summary>");
                _w.Line($"public static global::System.ReadOnlySpan<string> {StubNames.ClassNames} => s_classNames;");
            }

            /// <summary>The expression encoding feature <paramref name="f"/> of <c>features</c> (FeatureEncoder semantics).</summary>
            private string EncodeExpression(int f)
            {
                var feature = Features[f];
                if (feature.Kind == FeatureKind.Categorical) return $"(long)features.{_fields[f]}";
                return $"{StubNames.EncodeNumber}(features.{_fields[f]}, {LongLit(feature.Scale)}, {LongLit(feature.Offset)}, {LongLit(feature.Max)})";
            }

            private void WriteArguments(string call, Func<int, string> argument, string end)
            {
                if (Features.Count <= 1)
                {
                    _w.Line($"{call}({(Features.Count == 1 ? argument(0) : "")}){end}");
                    return;
                }
                _w.Line(call + "(");
                _w.Indent();
                for (int f = 0; f < Features.Count; f++)
                {
                    _w.Line(argument(f) + (f + 1 < Features.Count ? "," : ")" + end));
                }
                _w.Outdent();
            }

            private void WritePredict()
            {
                _w.Line();
                _w.Line("/// <summary>The class of one row of raw values: <see cref=\"Encode\"/>, then the model. Allocates nothing.</summary>");
                using (Braces($"public static {StubNames.ClassEnum} {StubNames.Predict}(in {StubNames.FeaturesStruct} features)"))
                {
                    WriteArguments("return " + StubNames.Evaluate, EncodeExpression, ";");
                }
            }

            private void WritePredictEncoded()
            {
                _w.Line();
                _w.Line("/// <summary>The class of one encoded row: the header field values in model feature order, exactly <see cref=\"FeatureCount\"/> of them.</summary>");
                using (Braces($"public static {StubNames.ClassEnum} {StubNames.PredictEncoded}(global::System.ReadOnlySpan<long> encoded)"))
                {
                    WriteLengthCheck();
                    WriteArguments("return " + StubNames.Evaluate, f => $"encoded[{IntLit(f)}]", ";");
                }
            }

            private void WriteEncode()
            {
                _w.Line();
                _w.Line("/// <summary>Encodes one row as the switch sees it (numbers scaled, rounded, offset and clamped; categories as codes) into the first <see cref=\"FeatureCount\"/> elements of <paramref name=\"encoded\"/>.</summary>");
                using (Braces($"public static void {StubNames.Encode}(in {StubNames.FeaturesStruct} features, global::System.Span<long> encoded)"))
                {
                    _w.Line($"if (encoded.Length < {StubNames.FeatureCount})");
                    _w.Line("{");
                    _w.Indent();
                    _w.Line($"throw new global::System.ArgumentException(\"expected room for {IntLit(Features.Count)} encoded features, got \" + encoded.Length.ToString(global::System.Globalization.CultureInfo.InvariantCulture), nameof(encoded));");
                    _w.Outdent();
                    _w.Line("}");
                    _w.Line();
                    for (int f = 0; f < Features.Count; f++)
                    {
                        _w.Line($"encoded[{IntLit(f)}] = {EncodeExpression(f)};");
                    }
                }
            }

            private void WriteParseCategory(int f)
            {
                var feature = Features[f];
                var members = StubNames.CategoryMembers(feature);
                string type = _fields[f];
                _w.Line();
                _w.Line($"/// <summary>The category of a raw value of feature '{Doc(feature.Name)}' (exact ordinal match), else <see cref=\"{type}.{members[feature.UnknownCode]}\"/>.</summary>");
                using (Braces($"public static {type} {StubNames.ParseMethod(type)}(string? value)"))
                {
                    _w.Line("switch (value)");
                    using (_w.Block("{", "}"))
                    {
                        for (int code = 0; code < feature.Categories.Count; code++)
                        {
                            _w.Line($"case {Str(feature.Categories[code])}: return {type}.{members[code]};");
                        }
                        _w.Line($"default: return {type}.{members[feature.UnknownCode]};");
                    }
                }
            }

            private void WriteParse()
            {
                _w.Line();
                _w.Line("/// <summary>");
                _w.Line("/// A row from raw text, one value per feature in model order: numbers in the invariant culture,");
                _w.Line("/// categories matched exactly. Integer features round a fractional value half away from zero.");
                _w.Line("/// </summary>");
                _w.Line("/// <exception cref=\"global::System.FormatException\">A numeric feature's text is not a number (the message names the feature).</exception>");
                using (Braces($"public static {StubNames.FeaturesStruct} {StubNames.Parse}(global::System.Collections.Generic.IReadOnlyList<string> values)"))
                {
                    _w.Line("if (values is null) throw new global::System.ArgumentNullException(nameof(values));");
                    _w.Line($"if (values.Count != {StubNames.FeatureCount})");
                    _w.Line("{");
                    _w.Indent();
                    _w.Line($"throw new global::System.ArgumentException(\"expected {IntLit(Features.Count)} values, got \" + values.Count.ToString(global::System.Globalization.CultureInfo.InvariantCulture), nameof(values));");
                    _w.Outdent();
                    _w.Line("}");
                    _w.Line();
                    _w.Line($"{StubNames.FeaturesStruct} features = default;");
                    for (int f = 0; f < Features.Count; f++)
                    {
                        var feature = Features[f];
                        string value = $"values[{IntLit(f)}]";
                        string expression = feature.Kind switch
                        {
                            FeatureKind.Integer => $"{StubNames.ReadInteger}({value}, {Str(feature.Name)})",
                            FeatureKind.Fractional => $"{StubNames.ReadNumber}({value}, {Str(feature.Name)})",
                            _ => $"{StubNames.ParseMethod(_fields[f])}({value})",
                        };
                        _w.Line($"features.{_fields[f]} = {expression};");
                    }
                    _w.Line("return features;");
                }
            }

            private void WriteTryGetClass()
            {
                _w.Line();
                _w.Line("/// <summary>The class a label value of the training data maps to; false when none does.</summary>");
                using (Braces($"public static bool {StubNames.TryGetClass}(string? label, out {StubNames.ClassEnum} cls)"))
                {
                    _w.Line("switch (label)");
                    using (_w.Block("{", "}"))
                    {
                        var seen = new HashSet<string>(StringComparer.Ordinal);
                        for (int c = 0; c < _model.Classes.Count; c++)
                        {
                            var labels = _model.Classes[c].Labels.Where(seen.Add).ToList();
                            if (labels.Count == 0) continue;
                            foreach (var label in labels) _w.Line($"case {Str(label)}:");
                            _w.Indent();
                            _w.Line($"cls = {StubNames.ClassEnum}.{_classMembers[c]};");
                            _w.Line("return true;");
                            _w.Outdent();
                        }
                        _w.Line("case null:");
                        _w.Indent();
                        _w.Line("cls = default;");
                        _w.Line("return false;");
                        _w.Outdent();
                        _w.Line("default:");
                        _w.Indent();
                        int other = -1;
                        for (int c = 0; c < _model.Classes.Count && other < 0; c++)
                        {
                            if (_model.Classes[c].TakesOtherLabels) other = c;
                        }
                        if (other >= 0)
                        {
                            _w.Line($"cls = {StubNames.ClassEnum}.{_classMembers[other]};");
                            _w.Line("return true;");
                        }
                        else
                        {
                            _w.Line("cls = default;");
                            _w.Line("return false;");
                        }
                        _w.Outdent();
                    }
                }
            }

            /// <param name="access">"private"; "internal" in a schedule's model class, whose Decide calls it.</param>
            private void WriteEvaluate(string access = "private")
            {
                var parameters = string.Join(", ", Enumerable.Range(0, Features.Count).Select(f => "long f" + IntLit(f)));
                _w.Line();
                _w.Line("/// <summary>The model on one encoded row (ReferenceInterpreter semantics, 32-bit wrapping accumulators).</summary>");
                using (Braces($"{access} static {StubNames.ClassEnum} {StubNames.Evaluate}({parameters})"))
                {
                    _w.Line("unchecked");
                    using (_w.Block("{", "}"))
                    {
                        if (_model.Model is TreeEnsembleModel trees) CSharpTreeStub.WriteBody(_w, _model, trees, ClassValue);
                        else WriteNetwork();
                    }
                }
            }

            private void WriteNetwork()
            {
                var inputs = _mlp.Inputs;
                var layers = _mlp.Layers;
                bool lowerOneHot = layers.Count > 0;

                // Inputs of the first layer: variables, except one-hot inputs, which become a switch per feature.
                var inputNames = new string?[inputs.Count];
                for (int i = 0; i < inputs.Count; i++)
                {
                    var input = inputs[i];
                    string f = "f" + IntLit(input.Feature);
                    string name = "x" + IntLit(i);
                    string feature = Escaping.Comment(Features[input.Feature].Name);
                    switch (input.Transform)
                    {
                        case InputTransform.Identity:
                            _w.Line($"int {name} = (int){f}; // '{feature}'");
                            inputNames[i] = name;
                            break;
                        case InputTransform.Log2Compand:
                            _w.Line($"int {name} = {StubNames.Compand}((uint){f}); // '{feature}', log2-companded");
                            inputNames[i] = name;
                            break;
                        case InputTransform.Square:
                            string value = input.Base == InputTransform.Log2Compand ? $"{StubNames.Compand}((uint){f})" : $"(int){f}";
                            string how = input.Base == InputTransform.Log2Compand ? "log2-companded" : "identity";
                            _w.Line($"int {name} = {value} * {value}; // '{feature}', {how}, squared");
                            inputNames[i] = name;
                            break;
                        default:
                            if (!lowerOneHot)
                            {
                                _w.Line($"int {name} = {f} == {IntLit(input.Code)} ? 1 : 0; // '{feature}' is code {IntLit(input.Code)}");
                                inputNames[i] = name;
                            }
                            break;
                    }
                }

                IReadOnlyList<string> current = inputNames.Select(n => n ?? "").ToList();
                for (int l = 0; l < layers.Count; l++)
                {
                    var layer = layers[l];
                    _w.Line();
                    string activation = layer.Activation == Activation.Relu
                        ? $"ReLU, >> {IntLit(layer.Shift)}, clamp {IntLit(layer.ClampMax)}"
                        : "raw";
                    _w.Line($"// Layer {IntLit(l)}: {IntLit(layer.Inputs)} -> {IntLit(layer.Outputs)}, {activation}.");
                    var accumulators = new List<string>();
                    for (int j = 0; j < layer.Outputs; j++)
                    {
                        string acc = $"a{IntLit(l)}_{IntLit(j)}";
                        accumulators.Add(acc);
                        var terms = new List<string>();
                        for (int i = 0; i < layer.Inputs; i++)
                        {
                            if (l == 0 && inputNames[i] is null) continue; // one-hot: added by the switch below
                            int weight = layer.Weight(j, i);
                            if (weight == 0) continue;
                            terms.Add(Term(weight, current[i]));
                        }
                        int bias = layer.Biases[j];
                        if (bias == 0 && terms.Count > 0)
                        {
                            // "0 + 3 * x0" reads better as "3 * x0"; a leading "- w * x" becomes "-w * x".
                            string first = terms[0].StartsWith("+ ", StringComparison.Ordinal) ? terms[0].Substring(2) : "-" + terms[0].Substring(2);
                            terms.RemoveAt(0);
                            WriteSum($"int {acc} = {first}", terms);
                        }
                        else
                        {
                            WriteSum($"int {acc} = {IntLit(bias)}", terms);
                        }
                    }
                    if (l == 0) WriteOneHotSwitches(layer, accumulators);

                    if (layer.Activation == Activation.Relu)
                    {
                        var activated = new List<string>();
                        for (int j = 0; j < layer.Outputs; j++)
                        {
                            string h = $"h{IntLit(l)}_{IntLit(j)}";
                            activated.Add(h);
                            _w.Line($"int {h} = {StubNames.Relu}({accumulators[j]}, {IntLit(layer.Shift)}, {IntLit(layer.ClampMax)});");
                        }
                        current = activated;
                    }
                    else
                    {
                        current = accumulators;
                    }
                }

                _w.Line();
                _w.Line("// Argmax: the lowest index wins ties.");
                if (current.Count == 0)
                {
                    _w.Line($"return ({StubNames.ClassEnum})0;");
                    return;
                }
                if (_mlp.OutputClasses.Count > 0) _w.Line("// Outputs map to classes: the best output's class is kept.");
                _w.Line($"{StubNames.ClassEnum} best = {ClassValue(_mlp.ClassOfOutput(0))};");
                _w.Line($"int bestValue = {current[0]};");
                for (int j = 1; j < current.Count; j++)
                {
                    _w.Line($"if ({current[j]} > bestValue) {{ best = {ClassValue(_mlp.ClassOfOutput(j))}; bestValue = {current[j]}; }}");
                }
                _w.Line("return best;");
            }

            private string ClassValue(int index) =>
                index < _classMembers.Count ? $"{StubNames.ClassEnum}.{_classMembers[index]}" : $"({StubNames.ClassEnum}){IntLit(index)}";

            private static string Term(int weight, string variable)
            {
                if (weight == int.MinValue) return $"+ -2147483648 * {variable}";
                if (weight == 1) return "+ " + variable;
                if (weight == -1) return "- " + variable;
                return weight > 0 ? $"+ {IntLit(weight)} * {variable}" : $"- {IntLit(-weight)} * {variable}";
            }

            private void WriteSum(string head, List<string> terms)
            {
                if (terms.Count <= TermsPerLine)
                {
                    _w.Line(head + string.Concat(terms.Select(t => " " + t)) + ";");
                    return;
                }
                _w.Line(head);
                _w.Indent();
                for (int t = 0; t < terms.Count; t++)
                {
                    _w.Line(terms[t] + (t + 1 < terms.Count ? "" : ";"));
                }
                _w.Outdent();
            }

            /// <summary>
            /// One-hot inputs: for each feature, a switch on its code adds the weight column of the input that is 1
            /// (the same as multiplying every column by 0 or 1; wrapping addition makes the order irrelevant).
            /// </summary>
            private void WriteOneHotSwitches(DenseLayer layer, List<string> accumulators)
            {
                var inputs = _mlp.Inputs;
                var features = Enumerable.Range(0, inputs.Count)
                    .Where(i => inputs[i].Transform == InputTransform.OneHot)
                    .Select(i => inputs[i].Feature)
                    .Distinct()
                    .OrderBy(f => f);
                foreach (int f in features)
                {
                    var codes = Enumerable.Range(0, inputs.Count)
                        .Where(i => inputs[i].Transform == InputTransform.OneHot && inputs[i].Feature == f)
                        .GroupBy(i => inputs[i].Code)
                        .OrderBy(g => g.Key)
                        .Select(g => new
                        {
                            Code = g.Key,
                            Column = Enumerable.Range(0, layer.Outputs).Select(j => g.Aggregate(0, (sum, i) => unchecked(sum + layer.Weight(j, i)))).ToArray(),
                        })
                        .Where(c => c.Column.Any(v => v != 0))
                        .ToList();
                    if (codes.Count == 0) continue;
                    _w.Line($"switch (f{IntLit(f)}) // '{Escaping.Comment(Features[f].Name)}', one-hot");
                    using (_w.Block("{", "}"))
                    {
                        foreach (var c in codes)
                        {
                            string category = Features[f].Kind != FeatureKind.Categorical ? ""
                                : c.Code >= 0 && c.Code < Features[f].Categories.Count ? $" // '{Escaping.Comment(Features[f].Categories[c.Code])}'"
                                : c.Code == Features[f].UnknownCode ? " // unknown category"
                                : "";
                            _w.Line($"case {IntLit(c.Code)}:{category}");
                            _w.Indent();
                            for (int j = 0; j < c.Column.Length; j++)
                            {
                                int weight = c.Column[j];
                                if (weight == 0) continue;
                                _w.Line(weight == int.MinValue || weight > 0
                                    ? $"{accumulators[j]} += {IntLit(weight)};"
                                    : $"{accumulators[j]} -= {IntLit(-weight)};");
                            }
                            _w.Line("break;");
                            _w.Outdent();
                        }
                    }
                }
            }

            private void WriteHelpers()
            {
                int m = Model.Interpretation.Compand.MantissaBits;
                _w.Line();
                _w.Line("/// <summary>FeatureEncoder.EncodeNumber: clamp(round_half_away_from_zero(value * scale) - offset, 0, max), NaN -> 0.</summary>");
                using (Braces($"private static long {StubNames.EncodeNumber}(double value, long scale, long offset, long max)"))
                {
                    _w.Line("if (double.IsNaN(value)) return 0;");
                    _w.Line("double scaled = global::System.Math.Round(value * scale, global::System.MidpointRounding.AwayFromZero);");
                    _w.Line("// Compared in double before converting, so values beyond the long range clamp instead of wrapping.");
                    _w.Line("double shifted = scaled - offset;");
                    _w.Line("if (shifted <= 0) return 0;");
                    _w.Line("if (shifted >= max) return max;");
                    _w.Line("return (long)shifted;");
                }
                _w.Line();
                _w.Line($"/// <summary>Compand.Apply: logarithmic companding of a 32-bit value into 8 bits ({IntLit(m)} mantissa bits).</summary>");
                using (Braces($"private static int {StubNames.Compand}(uint value)"))
                {
                    _w.Line($"if (value < {IntLit(1 << (m + 1))}u) return (int)value;");
                    _w.Line("int p = 31;");
                    _w.Line("while ((value >> p) == 0) p--;");
                    _w.Line($"return ((p - {IntLit(m)} + 1) << {IntLit(m)}) | (int)((value >> (p - {IntLit(m)})) & {IntLit((1 << m) - 1)}u);");
                }
                _w.Line();
                _w.Line("/// <summary>Hidden-layer activation: ReLU, arithmetic shift right, clamp.</summary>");
                using (Braces($"private static int {StubNames.Relu}(int acc, int shift, int clampMax)"))
                {
                    _w.Line("if (acc < 0) acc = 0;");
                    _w.Line("acc >>= shift;");
                    _w.Line("return acc > clampMax ? clampMax : acc;");
                }
                _w.Line();
                using (Braces($"private static double {StubNames.ReadNumber}(string? text, string feature)"))
                {
                    _w.Line("double value;");
                    _w.Line("if (text is null || !double.TryParse(text, global::System.Globalization.NumberStyles.Float, global::System.Globalization.CultureInfo.InvariantCulture, out value))");
                    _w.Line("{");
                    _w.Indent();
                    _w.Line("throw new global::System.FormatException(\"feature '\" + feature + \"': '\" + text + \"' is not a number\");");
                    _w.Outdent();
                    _w.Line("}");
                    _w.Line("return value;");
                }
                _w.Line();
                using (Braces($"private static long {StubNames.ReadInteger}(string? text, string feature)"))
                {
                    _w.Line($"double value = {StubNames.ReadNumber}(text, feature);");
                    _w.Line("if (double.IsNaN(value)) throw new global::System.FormatException(\"feature '\" + feature + \"': '\" + text + \"' is not an integer\");");
                    _w.Line("double rounded = global::System.Math.Round(value, global::System.MidpointRounding.AwayFromZero);");
                    _w.Line("if (rounded >= 9223372036854775807.0) return long.MaxValue;");
                    _w.Line("if (rounded <= -9223372036854775808.0) return long.MinValue;");
                    _w.Line("return (long)rounded;");
                }
            }
        }
    }
}
