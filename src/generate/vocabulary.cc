#include "generate/vocabulary.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "core/random.h"
#include "fmt/core.h"

namespace wv::generate {
namespace {

// Person/number tags in paradigm order: 1sg 2sg 3sg 1pl 2pl 3pl.
constexpr std::array<const char*, 6> kPersonTags = {"<p1><sg>", "<p2><sg>", "<p3><sg>",
                                                    "<p1><pl>", "<p2><pl>", "<p3><pl>"};

// One finite tense of a regular conjugation class: the stem is the infinitive
// minus `strip` characters, then a suffix per person (nullptr: no such form).
struct FiniteTense {
  const char* tag;
  int strip;
  std::array<const char*, 6> suffix;
};

// A non-finite form (infinitive, gerund, participle).
struct NonFiniteForm {
  const char* tags;
  int strip;
  const char* prefix;
  const char* suffix;
};

struct ConjugationClass {
  const char* ending;  // infinitive ending that selects the class
  std::vector<FiniteTense> finite;
  std::vector<NonFiniteForm> non_finite;
};

// An irregular verb's present indicative, written out.
struct IrregularVerb {
  const char* lemma;
  const char* pos;
  std::array<const char*, 6> forms;
};

struct Noun {
  const char* singular;
  const char* gender;  // "m", "f", "nt" or "" (English)
  const char* plural;  // nullptr: the language's regular plural
};

struct LanguageTable {
  Language language;
  std::vector<ConjugationClass> classes;
  std::vector<const char*> verbs;
  std::vector<IrregularVerb> irregular;
  std::vector<Noun> nouns;
  std::vector<const char*> adjectives;
  std::vector<const char*> function_words;  // complete lexeme strings
};

std::string Stem(std::string_view word, int strip) {
  return std::string(word.substr(0, word.size() - static_cast<size_t>(strip)));
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

std::string RegularPlural(Language language, std::string_view singular) {
  std::string s(singular);
  const char last = s.back();
  switch (language) {
    case kEs:
      return IsVowel(last) ? s + "s" : s + "es";
    case kIt:
      if (last == 'o' || last == 'e') return Stem(s, 1) + "i";
      if (last == 'a') return Stem(s, 1) + "e";
      return s;
    default:
      return s + "s";
  }
}

// Romance adjective forms: (surface, tags) for m/f sg/pl.
std::vector<std::pair<std::string, std::string>> AdjectiveForms(Language language,
                                                                std::string_view lemma) {
  const std::string s(lemma);
  switch (language) {
    case kEs:
    case kPt:
    case kIt: {
      if (s.back() != 'o') {  // invariable in gender (grande, verde, feliz)
        const std::string pl =
            language == kIt ? Stem(s, 1) + "i" : (IsVowel(s.back()) ? s + "s" : s + "es");
        return {{s, "<adj><mf><sg>"}, {pl, "<adj><mf><pl>"}};
      }
      const std::string stem = Stem(s, 1);
      if (language == kIt) {
        return {{s, "<adj><m><sg>"},
                {stem + "a", "<adj><f><sg>"},
                {stem + "i", "<adj><m><pl>"},
                {stem + "e", "<adj><f><pl>"}};
      }
      return {{s, "<adj><m><sg>"},
              {stem + "a", "<adj><f><sg>"},
              {s + "s", "<adj><m><pl>"},
              {stem + "as", "<adj><f><pl>"}};
    }
    case kFr:
      if (s.back() == 'e') return {{s, "<adj><mf><sg>"}, {s + "s", "<adj><mf><pl>"}};
      return {{s, "<adj><m><sg>"},
              {s + "e", "<adj><f><sg>"},
              {s + "s", "<adj><m><pl>"},
              {s + "es", "<adj><f><pl>"}};
    case kDe:
      return {{s, "<adj>"}, {s + "er", "<adj><comp>"}, {s + "ste", "<adj><sup>"}};
    case kEn:
    default:
      if (s.back() == 'e')
        return {{s, "<adj>"}, {s + "r", "<adj><comp>"}, {s + "st", "<adj><sup>"}};
      return {{s, "<adj>"}, {s + "er", "<adj><comp>"}, {s + "est", "<adj><sup>"}};
  }
}

// ---------------------------------------------------------------------------
// Tables. Verbs are chosen to be regular in every tense listed for them.

LanguageTable Spanish() {
  const std::vector<FiniteTense> ar = {
      {"<pri>", 2, {"o", "as", "a", "amos", "áis", "an"}},
      {"<ifi>", 2, {"é", "aste", "ó", "amos", "asteis", "aron"}},
      {"<pii>", 2, {"aba", "abas", "aba", "ábamos", "abais", "aban"}},
      {"<fti>", 0, {"é", "ás", "á", "emos", "éis", "án"}},
      {"<cni>", 0, {"ía", "ías", "ía", "íamos", "íais", "ían"}},
      {"<prs>", 2, {"e", "es", "e", "emos", "éis", "en"}},
      {"<pis>", 2, {"ara", "aras", "ara", "áramos", "arais", "aran"}},
      {"<imp>", 2, {nullptr, "a", "e", "emos", "ad", "en"}},
  };
  auto er_ir = [](bool ir) {
    return std::vector<FiniteTense>{
        {"<pri>", 2, {"o", "es", "e", ir ? "imos" : "emos", ir ? "ís" : "éis", "en"}},
        {"<ifi>", 2, {"í", "iste", "ió", "imos", "isteis", "ieron"}},
        {"<pii>", 2, {"ía", "ías", "ía", "íamos", "íais", "ían"}},
        {"<fti>", 0, {"é", "ás", "á", "emos", "éis", "án"}},
        {"<cni>", 0, {"ía", "ías", "ía", "íamos", "íais", "ían"}},
        {"<prs>", 2, {"a", "as", "a", "amos", "áis", "an"}},
        {"<pis>", 2, {"iera", "ieras", "iera", "iéramos", "ierais", "ieran"}},
        {"<imp>", 2, {nullptr, "e", "a", "amos", ir ? "id" : "ed", "an"}},
    };
  };
  const std::vector<NonFiniteForm> ar_nf = {
      {"<inf>", 0, "", ""}, {"<ger>", 2, "", "ando"}, {"<pp><m><sg>", 2, "", "ado"}};
  const std::vector<NonFiniteForm> er_nf = {
      {"<inf>", 0, "", ""}, {"<ger>", 2, "", "iendo"}, {"<pp><m><sg>", 2, "", "ido"}};
  return {kEs,
          {{"ar", ar, ar_nf}, {"er", er_ir(false), er_nf}, {"ir", er_ir(true), er_nf}},
          {"hablar",    "comprar",   "caminar",   "cocinar",   "trabajar",   "estudiar", "mirar",
           "escuchar",  "llamar",    "tomar",     "bailar",    "cantar",     "nadar",    "viajar",
           "ayudar",    "usar",      "necesitar", "preparar",  "entrar",     "ganar",    "lavar",
           "limpiar",   "pasar",     "terminar",  "visitar",   "desear",     "dejar",    "esperar",
           "olvidar",   "preguntar", "contestar", "enseñar",   "cambiar",    "llevar",   "amar",
           "cortar",    "firmar",    "regresar",  "bajar",     "saludar",    "gritar",   "dibujar",
           "comer",     "beber",     "correr",    "aprender",  "comprender", "vender",   "deber",
           "temer",     "romper",    "meter",     "responder", "prometer",   "vivir",    "escribir",
           "abrir",     "recibir",   "decidir",   "subir",     "permitir",   "partir",   "cubrir",
           "describir", "compartir", "existir"},
          {{"ser", "<vbser>", {"soy", "eres", "es", "somos", "sois", "son"}},
           {"estar", "<vblex>", {"estoy", "estás", "está", "estamos", "estáis", "están"}},
           {"tener", "<vblex>", {"tengo", "tienes", "tiene", "tenemos", "tenéis", "tienen"}},
           {"haber", "<vbhaver>", {"he", "has", "ha", "hemos", "habéis", "han"}},
           {"ir", "<vblex>", {"voy", "vas", "va", "vamos", "vais", "van"}},
           {"querer", "<vbmod>", {"quiero", "quieres", "quiere", "queremos", "queréis", "quieren"}},
           {"poder", "<vbmod>", {"puedo", "puedes", "puede", "podemos", "podéis", "pueden"}}},
          {{"carta", "f", nullptr},     {"gato", "m", nullptr},      {"perro", "m", nullptr},
           {"casa", "f", nullptr},      {"libro", "m", nullptr},     {"mesa", "f", nullptr},
           {"niño", "m", nullptr},      {"niña", "f", nullptr},      {"hombre", "m", nullptr},
           {"mujer", "f", nullptr},     {"agua", "f", nullptr},      {"manzana", "f", nullptr},
           {"leche", "f", nullptr},     {"pan", "m", nullptr},       {"vino", "m", nullptr},
           {"cerveza", "f", nullptr},   {"ciudad", "f", nullptr},    {"calle", "f", nullptr},
           {"coche", "m", nullptr},     {"tren", "m", nullptr},      {"escuela", "f", nullptr},
           {"maestro", "m", nullptr},   {"amigo", "m", nullptr},     {"amiga", "f", nullptr},
           {"familia", "f", nullptr},   {"padre", "m", nullptr},     {"madre", "f", nullptr},
           {"hermano", "m", nullptr},   {"hermana", "f", nullptr},   {"día", "m", nullptr},
           {"noche", "f", nullptr},     {"año", "m", nullptr},       {"semana", "f", nullptr},
           {"hora", "f", nullptr},      {"comida", "f", nullptr},    {"cena", "f", nullptr},
           {"plato", "m", nullptr},     {"vaso", "m", nullptr},      {"camisa", "f", nullptr},
           {"zapato", "m", nullptr},    {"vestido", "m", nullptr},   {"sombrero", "m", nullptr},
           {"caballo", "m", nullptr},   {"pájaro", "m", nullptr},    {"pescado", "m", nullptr},
           {"huevo", "m", nullptr},     {"queso", "m", nullptr},     {"fruta", "f", nullptr},
           {"naranja", "f", nullptr},   {"cuchara", "f", nullptr},   {"ventana", "f", nullptr},
           {"puerta", "f", nullptr},    {"cama", "f", nullptr},      {"silla", "f", nullptr},
           {"cocina", "f", nullptr},    {"jardín", "m", "jardines"}, {"flor", "f", nullptr},
           {"árbol", "m", nullptr},     {"playa", "f", nullptr},     {"mar", "m", nullptr},
           {"montaña", "f", nullptr},   {"río", "m", nullptr},       {"tienda", "f", nullptr},
           {"dinero", "m", nullptr},    {"trabajo", "m", nullptr},   {"oficina", "f", nullptr},
           {"periódico", "m", nullptr}, {"revista", "f", nullptr},   {"palabra", "f", nullptr},
           {"pregunta", "f", nullptr},  {"respuesta", "f", nullptr}, {"música", "f", nullptr},
           {"película", "f", nullptr},  {"juego", "m", nullptr},     {"doctor", "m", nullptr},
           {"abuelo", "m", nullptr},    {"abuela", "f", nullptr},    {"hijo", "m", nullptr},
           {"hija", "f", nullptr},      {"oso", "m", nullptr},       {"elefante", "m", nullptr}},
          {"blanco", "negro",   "rojo",   "nuevo",  "viejo",    "bueno",    "malo",   "alto",
           "bajo",   "pequeño", "bonito", "feo",    "rico",     "caro",     "barato", "rápido",
           "lento",  "largo",   "corto",  "limpio", "grande",   "verde",    "alegre", "triste",
           "fácil",  "difícil", "azul",   "joven",  "amarillo", "tranquilo"},
          {"el/el<det><def><m><sg>",
           "la/el<det><def><f><sg>",
           "los/el<det><def><m><pl>",
           "las/el<det><def><f><pl>",
           "un/uno<det><ind><m><sg>",
           "una/uno<det><ind><f><sg>",
           "unos/uno<det><ind><m><pl>",
           "y/y<cnjcoo>",
           "o/o<cnjcoo>",
           "pero/pero<cnjcoo>",
           "que/que<cnjsub>",
           "porque/porque<cnjsub>",
           "bajo/bajo<pr>",
           "en/en<pr>",
           "de/de<pr>",
           "con/con<pr>",
           "por/por<pr>",
           "para/para<pr>",
           "sin/sin<pr>",
           "a/a<pr>",
           "yo/prpers<prn><tn><p1><mf><sg>",
           "tú/prpers<prn><tn><p2><mf><sg>",
           "él/prpers<prn><tn><p3><m><sg>",
           "ella/prpers<prn><tn><p3><f><sg>",
           "nosotros/prpers<prn><tn><p1><m><pl>",
           "ellos/prpers<prn><tn><p3><m><pl>",
           "ellas/prpers<prn><tn><p3><f><pl>",
           "me/prpers<prn><pro><p1><mf><sg>",
           "te/prpers<prn><pro><p2><mf><sg>",
           "lo/prpers<prn><pro><p3><m><sg>",
           "la/prpers<prn><pro><p3><f><sg>",
           "no/no<adv>",
           "sí/sí<adv>",
           "muy/muy<adv>",
           "también/también<adv>",
           "bien/bien<adv>",
           "hoy/hoy<adv>",
           "hola/hola<ij>",
           "gracias/gracias<ij>",
           "uno/uno<num><m><sg>",
           "dos/dos<num><mf><pl>",
           "tres/tres<num><mf><pl>",
           "mi/mío<det><pos><mf><sg>",
           "su/suyo<det><pos><mf><sg>",
           "este/este<det><dem><m><sg>",
           "esta/este<det><dem><f><sg>",
           "qué/qué<prn><itg><mf><sg>",
           "María/María<np><ant><f><sg>",
           "Juan/Juan<np><ant><m><sg>",
           "<*sf>/ser<vbser><pri><*pers><*numb>",
           "<*sf>/estar<vblex><pri><*pers><*numb>"}};
}

LanguageTable French() {
  const std::vector<FiniteTense> er = {
      {"<pri>", 2, {"e", "es", "e", "ons", "ez", "ent"}},
      {"<pii>", 2, {"ais", "ais", "ait", "ions", "iez", "aient"}},
      {"<fti>", 0, {"ai", "as", "a", "ons", "ez", "ont"}},
      {"<cni>", 0, {"ais", "ais", "ait", "ions", "iez", "aient"}},
      {"<prs>", 2, {"e", "es", "e", "ions", "iez", "ent"}},
      {"<ifi>", 2, {"ai", "as", "a", "âmes", "âtes", "èrent"}},
      {"<pis>", 2, {"asse", "asses", "ât", "assions", "assiez", "assent"}},
      {"<imp>", 2, {nullptr, "e", nullptr, "ons", "ez", nullptr}},
  };
  const std::vector<NonFiniteForm> nf = {
      {"<inf>", 0, "", ""}, {"<pprs>", 2, "", "ant"}, {"<pp><m><sg>", 2, "", "é"}};
  return {kFr,
          {{"er", er, nf}},
          {"parler",     "aimer",    "chanter",  "danser",  "donner",   "écouter",   "regarder",
           "travailler", "trouver",  "penser",   "porter",  "jouer",    "marcher",   "habiter",
           "arriver",    "entrer",   "rester",   "tomber",  "demander", "chercher",  "montrer",
           "fermer",     "laisser",  "passer",   "garder",  "gagner",   "oublier",   "préparer",
           "continuer",  "accepter", "aider",    "ajouter", "apporter", "cacher",    "compter",
           "coûter",     "décider",  "dessiner", "deviner", "étudier",  "expliquer", "fumer",
           "goûter",     "inviter",  "laver",    "monter",  "pleurer",  "quitter",   "rencontrer",
           "réparer",    "rêver",    "sauter",   "signer",  "sonner",   "tourner",   "visiter",
           "voler",      "cuisiner", "demeurer", "écouter"},
          {{"être", "<vbser>", {"suis", "es", "est", "sommes", "êtes", "sont"}},
           {"avoir", "<vbhaver>", {"ai", "as", "a", "avons", "avez", "ont"}},
           {"aller", "<vblex>", {"vais", "vas", "va", "allons", "allez", "vont"}},
           {"faire", "<vblex>", {"fais", "fais", "fait", "faisons", "faites", "font"}},
           {"pouvoir", "<vbmod>", {"peux", "peux", "peut", "pouvons", "pouvez", "peuvent"}},
           {"vouloir", "<vbmod>", {"veux", "veux", "veut", "voulons", "voulez", "veulent"}}},
          {{"chat", "m", nullptr},     {"chien", "m", nullptr},      {"maison", "f", nullptr},
           {"livre", "m", nullptr},    {"table", "f", nullptr},      {"garçon", "m", nullptr},
           {"fille", "f", nullptr},    {"homme", "m", nullptr},      {"femme", "f", nullptr},
           {"pomme", "f", nullptr},    {"lait", "m", nullptr},       {"pain", "m", nullptr},
           {"vin", "m", nullptr},      {"bière", "f", nullptr},      {"ville", "f", nullptr},
           {"rue", "f", nullptr},      {"voiture", "f", nullptr},    {"train", "m", nullptr},
           {"école", "f", nullptr},    {"ami", "m", nullptr},        {"amie", "f", nullptr},
           {"famille", "f", nullptr},  {"père", "m", nullptr},       {"mère", "f", nullptr},
           {"frère", "m", nullptr},    {"sœur", "f", nullptr},       {"jour", "m", nullptr},
           {"nuit", "f", nullptr},     {"an", "m", nullptr},         {"semaine", "f", nullptr},
           {"heure", "f", nullptr},    {"assiette", "f", nullptr},   {"verre", "m", nullptr},
           {"chemise", "f", nullptr},  {"chaussure", "f", nullptr},  {"robe", "f", nullptr},
           {"oiseau", "m", "oiseaux"}, {"poisson", "m", nullptr},    {"œuf", "m", nullptr},
           {"fromage", "m", nullptr},  {"fruit", "m", nullptr},      {"orange", "f", nullptr},
           {"cuillère", "f", nullptr}, {"fenêtre", "f", nullptr},    {"porte", "f", nullptr},
           {"lit", "m", nullptr},      {"chaise", "f", nullptr},     {"cuisine", "f", nullptr},
           {"jardin", "m", nullptr},   {"fleur", "f", nullptr},      {"arbre", "m", nullptr},
           {"plage", "f", nullptr},    {"mer", "f", nullptr},        {"montagne", "f", nullptr},
           {"magasin", "m", nullptr},  {"argent", "m", nullptr},     {"travail", "m", "travaux"},
           {"bureau", "m", "bureaux"}, {"journal", "m", "journaux"}, {"mot", "m", nullptr},
           {"question", "f", nullptr}, {"réponse", "f", nullptr},    {"musique", "f", nullptr},
           {"film", "m", nullptr},     {"jeu", "m", "jeux"},         {"médecin", "m", nullptr},
           {"enfant", "m", nullptr},   {"cheval", "m", "chevaux"},   {"ours", "m", "ours"},
           {"éléphant", "m", nullptr}, {"tortue", "f", nullptr},     {"canard", "m", nullptr},
           {"pantalon", "m", nullptr}, {"chapeau", "m", "chapeaux"}, {"gâteau", "m", "gâteaux"}},
          {"petit",  "grand",   "noir",   "blanc",  "vert",      "bleu",    "joli",   "mauvais",
           "haut",   "bas",     "long",   "court",  "chaud",     "froid",   "rouge",  "jaune",
           "jeune",  "riche",   "pauvre", "facile", "difficile", "rapide",  "propre", "calme",
           "triste", "content", "fort",   "lourd",  "léger",     "prochain"},
          {"le/le<det><def><m><sg>",
           "la/le<det><def><f><sg>",
           "les/le<det><def><mf><pl>",
           "un/un<det><ind><m><sg>",
           "une/un<det><ind><f><sg>",
           "des/un<det><ind><mf><pl>",
           "et/et<cnjcoo>",
           "ou/ou<cnjcoo>",
           "mais/mais<cnjcoo>",
           "que/que<cnjsub>",
           "quand/quand<cnjsub>",
           "dans/dans<pr>",
           "de/de<pr>",
           "avec/avec<pr>",
           "pour/pour<pr>",
           "sans/sans<pr>",
           "sur/sur<pr>",
           "sous/sous<pr>",
           "à/à<pr>",
           "je/prpers<prn><subj><p1><mf><sg>",
           "tu/prpers<prn><subj><p2><mf><sg>",
           "il/prpers<prn><subj><p3><m><sg>",
           "elle/prpers<prn><subj><p3><f><sg>",
           "nous/prpers<prn><subj><p1><mf><pl>",
           "vous/prpers<prn><subj><p2><mf><pl>",
           "ils/prpers<prn><subj><p3><m><pl>",
           "moi/prpers<prn><tn><p1><mf><sg>",
           "toi/prpers<prn><tn><p2><mf><sg>",
           "ne/ne<adv>",
           "pas/pas<adv>",
           "très/très<adv>",
           "aussi/aussi<adv>",
           "bien/bien<adv>",
           "bonjour/bonjour<ij>",
           "merci/merci<ij>",
           "oui/oui<adv>",
           "un/un<num><m><sg>",
           "deux/deux<num><mf><pl>",
           "trois/trois<num><mf><pl>",
           "mon/mon<det><pos><m><sg>",
           "ma/mon<det><pos><f><sg>",
           "ce/ce<det><dem><m><sg>",
           "cette/ce<det><dem><f><sg>",
           "qui/qui<prn><itg><mf><sp>",
           "Pierre/Pierre<np><ant><m><sg>",
           "Marie/Marie<np><ant><f><sg>",
           "<*sf>/être<vbser><pri><*pers><*numb>",
           "<*sf>/avoir<vbhaver><pri><*pers><*numb>"}};
}

LanguageTable Italian() {
  const std::vector<FiniteTense> are = {
      {"<pri>", 3, {"o", "i", "a", "iamo", "ate", "ano"}},
      {"<pii>", 3, {"avo", "avi", "ava", "avamo", "avate", "avano"}},
      {"<fti>", 3, {"erò", "erai", "erà", "eremo", "erete", "eranno"}},
      {"<cni>", 3, {"erei", "eresti", "erebbe", "eremmo", "ereste", "erebbero"}},
      {"<prs>", 3, {"i", "i", "i", "iamo", "iate", "ino"}},
      {"<ifi>", 3, {"ai", "asti", "ò", "ammo", "aste", "arono"}},
      {"<pis>", 3, {"assi", "assi", "asse", "assimo", "aste", "assero"}},
      {"<imp>", 3, {nullptr, "a", "i", "iamo", "ate", "ino"}},
  };
  const std::vector<NonFiniteForm> nf = {
      {"<inf>", 0, "", ""}, {"<ger>", 3, "", "ando"}, {"<pp><m><sg>", 3, "", "ato"}};
  return {kIt,
          {{"are", are, nf}},
          {"parlare",  "amare",     "cantare",   "ballare",   "guardare",  "lavorare",  "trovare",
           "pensare",  "portare",   "camminare", "abitare",   "arrivare",  "entrare",   "restare",
           "chiamare", "comprare",  "aspettare", "ascoltare", "imparare",  "insegnare", "lavare",
           "nuotare",  "preparare", "tornare",   "usare",     "visitare",  "ordinare",  "prenotare",
           "salutare", "suonare",   "cucinare",  "diventare", "domandare", "fumare",    "girare",
           "guidare",  "invitare",  "volare",    "sperare",   "tirare",    "ritornare", "riposare",
           "saltare",  "scusare",   "accettare", "aiutare",   "alzare",    "annullare", "arrestare",
           "bussare",  "calmare",   "cenare",    "contare",   "costare",   "disegnare", "fermare",
           "firmare",  "gridare",   "lottare",   "mandare"},
          {{"essere", "<vbser>", {"sono", "sei", "è", "siamo", "siete", "sono"}},
           {"avere", "<vbhaver>", {"ho", "hai", "ha", "abbiamo", "avete", "hanno"}},
           {"andare", "<vblex>", {"vado", "vai", "va", "andiamo", "andate", "vanno"}},
           {"fare", "<vblex>", {"faccio", "fai", "fa", "facciamo", "fate", "fanno"}},
           {"potere", "<vbmod>", {"posso", "puoi", "può", "possiamo", "potete", "possono"}},
           {"volere", "<vbmod>", {"voglio", "vuoi", "vuole", "vogliamo", "volete", "vogliono"}}},
          {{"gatto", "m", nullptr},      {"cane", "m", nullptr},
           {"casa", "f", nullptr},       {"libro", "m", nullptr},
           {"tavolo", "m", nullptr},     {"ragazzo", "m", nullptr},
           {"ragazza", "f", nullptr},    {"uomo", "m", "uomini"},
           {"donna", "f", nullptr},      {"mela", "f", nullptr},
           {"latte", "m", nullptr},      {"pane", "m", nullptr},
           {"vino", "m", nullptr},       {"birra", "f", nullptr},
           {"città", "f", "città"},      {"strada", "f", nullptr},
           {"macchina", "f", nullptr},   {"treno", "m", nullptr},
           {"scuola", "f", nullptr},     {"amico", "m", "amici"},
           {"amica", "f", "amiche"},     {"famiglia", "f", nullptr},
           {"padre", "m", nullptr},      {"madre", "f", nullptr},
           {"fratello", "m", nullptr},   {"sorella", "f", nullptr},
           {"giorno", "m", nullptr},     {"notte", "f", nullptr},
           {"anno", "m", nullptr},       {"settimana", "f", nullptr},
           {"ora", "f", nullptr},        {"piatto", "m", nullptr},
           {"bicchiere", "m", nullptr},  {"camicia", "f", "camicie"},
           {"scarpa", "f", nullptr},     {"vestito", "m", nullptr},
           {"uccello", "m", nullptr},    {"pesce", "m", nullptr},
           {"uovo", "m", "uova"},        {"formaggio", "m", "formaggi"},
           {"frutta", "f", nullptr},     {"arancia", "f", "arance"},
           {"finestra", "f", nullptr},   {"porta", "f", nullptr},
           {"letto", "m", nullptr},      {"sedia", "f", nullptr},
           {"cucina", "f", nullptr},     {"giardino", "m", nullptr},
           {"fiore", "m", nullptr},      {"albero", "m", nullptr},
           {"spiaggia", "f", "spiagge"}, {"mare", "m", nullptr},
           {"montagna", "f", nullptr},   {"negozio", "m", "negozi"},
           {"soldo", "m", nullptr},      {"lavoro", "m", nullptr},
           {"ufficio", "m", "uffici"},   {"giornale", "m", nullptr},
           {"parola", "f", nullptr},     {"domanda", "f", nullptr},
           {"risposta", "f", nullptr},   {"musica", "f", "musiche"},
           {"gioco", "m", "giochi"},     {"medico", "m", "medici"},
           {"bambino", "m", nullptr},    {"bambina", "f", nullptr},
           {"cavallo", "m", nullptr},    {"orso", "m", nullptr},
           {"elefante", "m", nullptr},   {"tartaruga", "f", "tartarughe"},
           {"cappello", "m", nullptr},   {"torta", "f", nullptr}},
          {"piccolo", "nero",   "bianco", "rosso",  "nuovo",  "vecchio",   "buono",  "cattivo",
           "alto",    "basso",  "bello",  "brutto", "caro",   "lungo",     "corto",  "caldo",
           "freddo",  "giallo", "grande", "verde",  "felice", "triste",    "facile", "difficile",
           "veloce",  "lento",  "pulito", "ricco",  "povero", "tranquillo"},
          {"il/il<det><def><m><sg>",
           "la/il<det><def><f><sg>",
           "i/il<det><def><m><pl>",
           "le/il<det><def><f><pl>",
           "un/uno<det><ind><m><sg>",
           "una/uno<det><ind><f><sg>",
           "e/e<cnjcoo>",
           "o/o<cnjcoo>",
           "ma/ma<cnjcoo>",
           "che/che<cnjsub>",
           "quando/quando<cnjsub>",
           "in/in<pr>",
           "di/di<pr>",
           "con/con<pr>",
           "per/per<pr>",
           "senza/senza<pr>",
           "su/su<pr>",
           "a/a<pr>",
           "io/prpers<prn><subj><p1><mf><sg>",
           "tu/prpers<prn><subj><p2><mf><sg>",
           "lui/prpers<prn><tn><p3><m><sg>",
           "lei/prpers<prn><tn><p3><f><sg>",
           "noi/prpers<prn><tn><p1><mf><pl>",
           "voi/prpers<prn><tn><p2><mf><pl>",
           "loro/prpers<prn><tn><p3><mf><pl>",
           "mi/prpers<prn><pro><p1><mf><sg>",
           "non/non<adv>",
           "sì/sì<adv>",
           "molto/molto<adv>",
           "anche/anche<adv>",
           "bene/bene<adv>",
           "ciao/ciao<ij>",
           "grazie/grazie<ij>",
           "due/due<num><mf><pl>",
           "tre/tre<num><mf><pl>",
           "mio/mio<det><pos><m><sg>",
           "questo/questo<det><dem><m><sg>",
           "questa/questo<det><dem><f><sg>",
           "chi/chi<prn><itg><mf><sp>",
           "Marco/Marco<np><ant><m><sg>",
           "Anna/Anna<np><ant><f><sg>",
           "<*sf>/essere<vbser><pri><*pers><*numb>",
           "<*sf>/avere<vbhaver><pri><*pers><*numb>"}};
}

LanguageTable Portuguese() {
  const std::vector<FiniteTense> ar = {
      {"<pri>", 2, {"o", "as", "a", "amos", "ais", "am"}},
      {"<ifi>", 2, {"ei", "aste", "ou", "amos", "astes", "aram"}},
      {"<pii>", 2, {"ava", "avas", "ava", "ávamos", "áveis", "avam"}},
      {"<fti>", 0, {"ei", "ás", "á", "emos", "eis", "ão"}},
      {"<cni>", 0, {"ia", "ias", "ia", "íamos", "íeis", "iam"}},
      {"<prs>", 2, {"e", "es", "e", "emos", "eis", "em"}},
      {"<pis>", 2, {"asse", "asses", "asse", "ássemos", "ásseis", "assem"}},
      {"<imp>", 2, {nullptr, "a", "e", "emos", "ai", "em"}},
  };
  const std::vector<NonFiniteForm> nf = {
      {"<inf>", 0, "", ""}, {"<ger>", 2, "", "ando"}, {"<pp><m><sg>", 2, "", "ado"}};
  return {kPt,
          {{"ar", ar, nf}},
          {"falar",    "amar",    "cantar",   "trabalhar", "estudar", "morar",     "comprar",
           "andar",    "usar",    "gostar",   "cozinhar",  "lavar",   "nadar",     "olhar",
           "escutar",  "chamar",  "entrar",   "esperar",   "jantar",  "lembrar",   "levar",
           "mandar",   "mostrar", "precisar", "tomar",     "visitar", "viajar",    "ajudar",
           "acordar",  "achar",   "cortar",   "deixar",    "ensinar", "fechar",    "ganhar",
           "gritar",   "limpar",  "matar",    "mudar",     "passar",  "perguntar", "pensar",
           "voltar",   "votar",   "assinar",  "brincar",   "criar",   "desenhar",  "encontrar",
           "explicar", "guardar", "inventar", "lutar",     "montar",  "notar",     "pintar",
           "pular",    "quebrar", "salvar",   "tirar"},
          {{"ser", "<vbser>", {"sou", "és", "é", "somos", "sois", "são"}},
           {"estar", "<vblex>", {"estou", "estás", "está", "estamos", "estais", "estão"}},
           {"ter", "<vbhaver>", {"tenho", "tens", "tem", "temos", "tendes", "têm"}},
           {"ir", "<vblex>", {"vou", "vais", "vai", "vamos", "ides", "vão"}},
           {"poder", "<vbmod>", {"posso", "podes", "pode", "podemos", "podeis", "podem"}}},
          {{"gato", "m", nullptr},     {"cachorro", "m", nullptr},   {"casa", "f", nullptr},
           {"livro", "m", nullptr},    {"mesa", "f", nullptr},       {"menino", "m", nullptr},
           {"menina", "f", nullptr},   {"homem", "m", "homens"},     {"mulher", "f", "mulheres"},
           {"água", "f", nullptr},     {"maçã", "f", nullptr},       {"leite", "m", nullptr},
           {"pão", "m", "pães"},       {"vinho", "m", nullptr},      {"cerveja", "f", nullptr},
           {"cidade", "f", nullptr},   {"rua", "f", nullptr},        {"carro", "m", nullptr},
           {"trem", "m", "trens"},     {"escola", "f", nullptr},     {"amigo", "m", nullptr},
           {"amiga", "f", nullptr},    {"família", "f", nullptr},    {"pai", "m", nullptr},
           {"mãe", "f", nullptr},      {"irmão", "m", "irmãos"},     {"irmã", "f", nullptr},
           {"dia", "m", nullptr},      {"noite", "f", nullptr},      {"ano", "m", nullptr},
           {"semana", "f", nullptr},   {"hora", "f", nullptr},       {"comida", "f", nullptr},
           {"prato", "m", nullptr},    {"copo", "m", nullptr},       {"camisa", "f", nullptr},
           {"sapato", "m", nullptr},   {"vestido", "m", nullptr},    {"chapéu", "m", nullptr},
           {"cavalo", "m", nullptr},   {"pássaro", "m", nullptr},    {"peixe", "m", nullptr},
           {"ovo", "m", nullptr},      {"queijo", "m", nullptr},     {"fruta", "f", nullptr},
           {"laranja", "f", nullptr},  {"colher", "f", "colheres"},  {"janela", "f", nullptr},
           {"porta", "f", nullptr},    {"cama", "f", nullptr},       {"cadeira", "f", nullptr},
           {"cozinha", "f", nullptr},  {"jardim", "m", "jardins"},   {"flor", "f", "flores"},
           {"árvore", "f", nullptr},   {"praia", "f", nullptr},      {"mar", "m", "mares"},
           {"montanha", "f", nullptr}, {"loja", "f", nullptr},       {"dinheiro", "m", nullptr},
           {"trabalho", "m", nullptr}, {"escritório", "m", nullptr}, {"jornal", "m", "jornais"},
           {"palavra", "f", nullptr},  {"pergunta", "f", nullptr},   {"resposta", "f", nullptr},
           {"música", "f", nullptr},   {"filme", "m", nullptr},      {"jogo", "m", nullptr},
           {"médico", "m", nullptr},   {"criança", "f", nullptr},    {"urso", "m", nullptr},
           {"elefante", "m", nullptr}, {"tartaruga", "f", nullptr},  {"bolo", "m", nullptr}},
          {"pequeno", "branco", "preto",  "vermelho", "novo",   "velho",    "bom",   "bonito",
           "feio",    "alto",   "baixo",  "caro",     "barato", "rápido",   "lento", "longo",
           "curto",   "limpo",  "grande", "verde",    "alegre", "triste",   "fácil", "difícil",
           "amarelo", "rico",   "pobre",  "quente",   "frio",   "tranquilo"},
          {"o/o<det><def><m><sg>",
           "a/o<det><def><f><sg>",
           "os/o<det><def><m><pl>",
           "as/o<det><def><f><pl>",
           "um/um<det><ind><m><sg>",
           "uma/um<det><ind><f><sg>",
           "e/e<cnjcoo>",
           "ou/ou<cnjcoo>",
           "mas/mas<cnjcoo>",
           "que/que<cnjsub>",
           "quando/quando<cnjsub>",
           "em/em<pr>",
           "de/de<pr>",
           "com/com<pr>",
           "para/para<pr>",
           "sem/sem<pr>",
           "sobre/sobre<pr>",
           "eu/prpers<prn><subj><p1><mf><sg>",
           "você/prpers<prn><tn><p3><mf><sg>",
           "ele/prpers<prn><tn><p3><m><sg>",
           "ela/prpers<prn><tn><p3><f><sg>",
           "nós/prpers<prn><tn><p1><mf><pl>",
           "eles/prpers<prn><tn><p3><m><pl>",
           "me/prpers<prn><pro><p1><mf><sg>",
           "não/não<adv>",
           "sim/sim<adv>",
           "muito/muito<adv>",
           "também/também<adv>",
           "bem/bem<adv>",
           "olá/olá<ij>",
           "obrigado/obrigado<ij>",
           "dois/dois<num><m><pl>",
           "três/três<num><mf><pl>",
           "meu/meu<det><pos><m><sg>",
           "este/este<det><dem><m><sg>",
           "esta/este<det><dem><f><sg>",
           "quem/quem<prn><itg><mf><sp>",
           "João/João<np><ant><m><sg>",
           "Ana/Ana<np><ant><f><sg>",
           "<*sf>/ser<vbser><pri><*pers><*numb>"}};
}

LanguageTable German() {
  const std::vector<FiniteTense> en = {
      {"<pri>", 2, {"e", "st", "t", "en", "t", "en"}},
      {"<past>", 2, {"te", "test", "te", "ten", "tet", "ten"}},
      {"<prs>", 2, {"e", "est", "e", "en", "et", "en"}},
      {"<imp>", 2, {nullptr, "", nullptr, nullptr, "t", nullptr}},
  };
  const std::vector<NonFiniteForm> nf = {{"<inf>", 0, "", ""}, {"<pp>", 2, "ge", "t"}};
  return {kDe,
          {{"en", en, nf}},
          {"machen",   "spielen", "lernen",   "kaufen",  "sagen",   "fragen", "wohnen",  "hören",
           "kochen",   "suchen",  "brauchen", "glauben", "lieben",  "leben",  "zeigen",  "holen",
           "schicken", "stellen", "legen",    "hoffen",  "führen",  "fühlen", "lachen",  "zahlen",
           "träumen",  "packen",  "rauchen",  "decken",  "fehlen",  "drehen", "hängen",  "kleben",
           "malen",    "parken",  "sparen",   "stören",  "teilen",  "wählen", "wecken",  "wünschen",
           "bauen",    "bellen",  "bohren",   "buchen",  "fegen",   "feiern", "fluchen", "grillen",
           "hupen",    "jagen",   "kämmen",   "kauen",   "klopfen", "lenken", "loben",   "melden",
           "nähen",    "pflegen", "pflücken", "planen"},
          {{"sein", "<vbser>", {"bin", "bist", "ist", "sind", "seid", "sind"}},
           {"haben", "<vbhaver>", {"habe", "hast", "hat", "haben", "habt", "haben"}},
           {"werden", "<vaux>", {"werde", "wirst", "wird", "werden", "werdet", "werden"}},
           {"können", "<vbmod>", {"kann", "kannst", "kann", "können", "könnt", "können"}},
           {"essen", "<vblex>", {"esse", "isst", "isst", "essen", "esst", "essen"}},
           {"trinken", "<vblex>", {"trinke", "trinkst", "trinkt", "trinken", "trinkt", "trinken"}},
           {"lesen", "<vblex>", {"lese", "liest", "liest", "lesen", "lest", "lesen"}}},
          {{"Hund", "m", "Hunde"},
           {"Katze", "f", "Katzen"},
           {"Haus", "nt", "Häuser"},
           {"Buch", "nt", "Bücher"},
           {"Tisch", "m", "Tische"},
           {"Junge", "m", "Jungen"},
           {"Mädchen", "nt", "Mädchen"},
           {"Mann", "m", "Männer"},
           {"Frau", "f", "Frauen"},
           {"Apfel", "m", "Äpfel"},
           {"Milch", "f", "Milch"},
           {"Brot", "nt", "Brote"},
           {"Wein", "m", "Weine"},
           {"Bier", "nt", "Biere"},
           {"Stadt", "f", "Städte"},
           {"Straße", "f", "Straßen"},
           {"Auto", "nt", "Autos"},
           {"Zug", "m", "Züge"},
           {"Schule", "f", "Schulen"},
           {"Freund", "m", "Freunde"},
           {"Freundin", "f", "Freundinnen"},
           {"Familie", "f", "Familien"},
           {"Vater", "m", "Väter"},
           {"Mutter", "f", "Mütter"},
           {"Bruder", "m", "Brüder"},
           {"Schwester", "f", "Schwestern"},
           {"Tag", "m", "Tage"},
           {"Nacht", "f", "Nächte"},
           {"Jahr", "nt", "Jahre"},
           {"Woche", "f", "Wochen"},
           {"Stunde", "f", "Stunden"},
           {"Teller", "m", "Teller"},
           {"Glas", "nt", "Gläser"},
           {"Hemd", "nt", "Hemden"},
           {"Schuh", "m", "Schuhe"},
           {"Kleid", "nt", "Kleider"},
           {"Vogel", "m", "Vögel"},
           {"Fisch", "m", "Fische"},
           {"Ei", "nt", "Eier"},
           {"Käse", "m", "Käse"},
           {"Frucht", "f", "Früchte"},
           {"Orange", "f", "Orangen"},
           {"Löffel", "m", "Löffel"},
           {"Fenster", "nt", "Fenster"},
           {"Tür", "f", "Türen"},
           {"Bett", "nt", "Betten"},
           {"Stuhl", "m", "Stühle"},
           {"Küche", "f", "Küchen"},
           {"Garten", "m", "Gärten"},
           {"Blume", "f", "Blumen"},
           {"Baum", "m", "Bäume"},
           {"Strand", "m", "Strände"},
           {"Meer", "nt", "Meere"},
           {"Berg", "m", "Berge"},
           {"Laden", "m", "Läden"},
           {"Geld", "nt", "Gelder"},
           {"Arbeit", "f", "Arbeiten"},
           {"Büro", "nt", "Büros"},
           {"Zeitung", "f", "Zeitungen"},
           {"Wort", "nt", "Wörter"},
           {"Frage", "f", "Fragen"},
           {"Antwort", "f", "Antworten"},
           {"Film", "m", "Filme"},
           {"Spiel", "nt", "Spiele"},
           {"Arzt", "m", "Ärzte"},
           {"Kind", "nt", "Kinder"},
           {"Pferd", "nt", "Pferde"},
           {"Bär", "m", "Bären"},
           {"Elefant", "m", "Elefanten"},
           {"Ente", "f", "Enten"},
           {"Hut", "m", "Hüte"},
           {"Kuchen", "m", "Kuchen"}},
          {"klein", "schnell", "schön",  "neu",    "alt",  "lang",    "kurz",   "kalt",
           "warm",  "rot",     "grün",   "blau",   "gelb", "schwarz", "weiß",   "billig",
           "reich", "arm",     "leicht", "schwer", "laut", "leise",   "sauber", "klar",
           "müde",  "jung",    "ruhig",  "früh",   "spät", "hell"},
          {"der/die<det><def><m><sg>",
           "die/die<det><def><f><sg>",
           "das/die<det><def><nt><sg>",
           "die/die<det><def><mf><pl>",
           "ein/ein<det><ind><m><sg>",
           "eine/ein<det><ind><f><sg>",
           "und/und<cnjcoo>",
           "oder/oder<cnjcoo>",
           "aber/aber<cnjcoo>",
           "dass/dass<cnjsub>",
           "weil/weil<cnjsub>",
           "in/in<pr>",
           "mit/mit<pr>",
           "für/für<pr>",
           "ohne/ohne<pr>",
           "auf/auf<pr>",
           "von/von<pr>",
           "ich/prpers<prn><subj><p1><mf><sg>",
           "du/prpers<prn><subj><p2><mf><sg>",
           "er/prpers<prn><subj><p3><m><sg>",
           "sie/prpers<prn><subj><p3><f><sg>",
           "es/prpers<prn><subj><p3><nt><sg>",
           "wir/prpers<prn><subj><p1><mf><pl>",
           "ihr/prpers<prn><subj><p2><mf><pl>",
           "mich/prpers<prn><obj><p1><mf><sg>",
           "nicht/nicht<adv>",
           "ja/ja<adv>",
           "sehr/sehr<adv>",
           "auch/auch<adv>",
           "gut/gut<adv>",
           "hallo/hallo<ij>",
           "danke/danke<ij>",
           "zwei/zwei<num>",
           "drei/drei<num>",
           "mein/mein<det><pos><m><sg>",
           "dieser/dieser<det><dem><m><sg>",
           "wer/wer<prn><itg><mf><sg>",
           "Anna/Anna<np><ant><f><sg>",
           "Thomas/Thomas<np><ant><m><sg>",
           "<*sf>/sein<vbser><pri><*pers><*numb>",
           "<*sf>/haben<vbhaver><pri><*pers><*numb>"}};
}

LanguageTable English() {
  // English regular verbs are inflected in code (EnglishVerbForms).
  return {
      kEn,
      {},
      {"walk",   "talk",   "play",    "work",   "cook",   "listen",   "open",   "call",   "need",
       "want",   "like",   "love",    "live",   "help",   "ask",      "answer", "clean",  "learn",
       "look",   "start",  "visit",   "wait",   "jump",   "rain",     "paint",  "climb",  "kick",
       "order",  "pull",   "return",  "turn",   "use",    "close",    "dance",  "move",   "arrive",
       "change", "hope",   "believe", "smile",  "share",  "cook",     "count",  "enjoy",  "explain",
       "follow", "invite", "laugh",   "offer",  "plant",  "remember", "show",   "stay",   "travel",
       "wonder", "borrow", "allow",   "appear", "decide", "prepare",  "agree",  "receive"},
      {{"be", "<vbser>", {"am", "are", "is", "are", "are", "are"}},
       {"have", "<vbhaver>", {"have", "have", "has", "have", "have", "have"}},
       {"do", "<vbdo>", {"do", "do", "does", "do", "do", "do"}},
       {"go", "<vblex>", {"go", "go", "goes", "go", "go", "go"}},
       {"eat", "<vblex>", {"eat", "eat", "eats", "eat", "eat", "eat"}},
       {"drink", "<vblex>", {"drink", "drink", "drinks", "drink", "drink", "drink"}},
       {"read", "<vblex>", {"read", "read", "reads", "read", "read", "read"}},
       {"write", "<vblex>", {"write", "write", "writes", "write", "write", "write"}},
       {"can", "<vbmod>", {"can", "can", "can", "can", "can", "can"}}},
      {{"cat", "", nullptr},     {"dog", "", nullptr},       {"house", "", nullptr},
       {"book", "", nullptr},    {"table", "", nullptr},     {"boy", "", nullptr},
       {"girl", "", nullptr},    {"man", "", "men"},         {"woman", "", "women"},
       {"apple", "", nullptr},   {"milk", "", nullptr},      {"bread", "", nullptr},
       {"wine", "", nullptr},    {"beer", "", nullptr},      {"city", "", "cities"},
       {"street", "", nullptr},  {"car", "", nullptr},       {"train", "", nullptr},
       {"school", "", nullptr},  {"friend", "", nullptr},    {"family", "", "families"},
       {"father", "", nullptr},  {"mother", "", nullptr},    {"brother", "", nullptr},
       {"sister", "", nullptr},  {"day", "", nullptr},       {"night", "", nullptr},
       {"year", "", nullptr},    {"week", "", nullptr},      {"hour", "", nullptr},
       {"plate", "", nullptr},   {"glass", "", "glasses"},   {"shirt", "", nullptr},
       {"shoe", "", nullptr},    {"dress", "", "dresses"},   {"bird", "", nullptr},
       {"fish", "", "fish"},     {"egg", "", nullptr},       {"cheese", "", nullptr},
       {"fruit", "", nullptr},   {"orange", "", nullptr},    {"spoon", "", nullptr},
       {"window", "", nullptr},  {"door", "", nullptr},      {"bed", "", nullptr},
       {"chair", "", nullptr},   {"kitchen", "", nullptr},   {"garden", "", nullptr},
       {"flower", "", nullptr},  {"tree", "", nullptr},      {"beach", "", "beaches"},
       {"sea", "", nullptr},     {"mountain", "", nullptr},  {"shop", "", nullptr},
       {"job", "", nullptr},     {"office", "", nullptr},    {"newspaper", "", nullptr},
       {"word", "", nullptr},    {"question", "", nullptr},  {"answer", "", nullptr},
       {"song", "", nullptr},    {"movie", "", nullptr},     {"game", "", nullptr},
       {"doctor", "", nullptr},  {"child", "", "children"},  {"horse", "", nullptr},
       {"bear", "", nullptr},    {"elephant", "", nullptr},  {"turtle", "", nullptr},
       {"duck", "", nullptr},    {"hat", "", nullptr},       {"cake", "", nullptr},
       {"teacher", "", nullptr}, {"student", "", nullptr},   {"lunch", "", "lunches"},
       {"dinner", "", nullptr},  {"breakfast", "", nullptr}, {"letter", "", nullptr}},
      {"small", "tall",  "short", "long",   "old",   "young", "new",   "cold",  "warm",  "clean",
       "cheap", "rich",  "poor",  "fast",   "slow",  "quiet", "dark",  "light", "high",  "low",
       "nice",  "large", "late",  "strong", "sweet", "quick", "great", "kind",  "clear", "loud"},
      {"the/the<det><def><sp>",
       "a/a<det><ind><sg>",
       "an/a<det><ind><sg>",
       "and/and<cnjcoo>",
       "or/or<cnjcoo>",
       "but/but<cnjcoo>",
       "that/that<cnjsub>",
       "because/because<cnjsub>",
       "in/in<pr>",
       "on/on<pr>",
       "with/with<pr>",
       "for/for<pr>",
       "without/without<pr>",
       "of/of<pr>",
       "to/to<pr>",
       "I/prpers<prn><subj><p1><mf><sg>",
       "you/prpers<prn><subj><p2><mf><sp>",
       "he/prpers<prn><subj><p3><m><sg>",
       "she/prpers<prn><subj><p3><f><sg>",
       "it/prpers<prn><subj><p3><nt><sg>",
       "we/prpers<prn><subj><p1><mf><pl>",
       "they/prpers<prn><subj><p3><mf><pl>",
       "me/prpers<prn><obj><p1><mf><sg>",
       "him/prpers<prn><obj><p3><m><sg>",
       "her/prpers<prn><obj><p3><f><sg>",
       "not/not<adv>",
       "yes/yes<adv>",
       "very/very<adv>",
       "also/also<adv>",
       "well/well<adv>",
       "hello/hello<ij>",
       "thanks/thanks<ij>",
       "two/two<num><sp>",
       "three/three<num><sp>",
       "my/my<det><pos><sp>",
       "this/this<det><dem><sg>",
       "these/this<det><dem><pl>",
       "who/who<prn><itg><sp>",
       "John/John<np><ant><m><sg>",
       "Mary/Mary<np><ant><f><sg>",
       "<*sf>/be<vbser><pri><*pers><*numb>",
       "<*sf>/have<vbhaver><pri><*pers><*numb>"}};
}

// (surface, tags) of an English regular verb.
std::vector<std::pair<std::string, std::string>> EnglishVerbForms(std::string_view lemma) {
  const std::string s(lemma);
  const bool silent_e = s.back() == 'e' && !EndsWith(s, "ee");
  const std::string past = s.back() == 'e' ? s + "d" : s + "ed";
  const std::string ger = silent_e ? Stem(s, 1) + "ing" : s + "ing";
  std::vector<std::pair<std::string, std::string>> out;
  for (int p = 0; p < 6; ++p) {
    out.emplace_back(p == 2 ? s + "s" : s, std::string("<vblex><pri>") + kPersonTags[p]);
  }
  out.emplace_back(past, "<vblex><past>");
  out.emplace_back(s, "<vblex><inf>");
  out.emplace_back(ger, "<vblex><ger>");
  out.emplace_back(past, "<vblex><pp>");
  return out;
}

const ConjugationClass* ClassFor(const LanguageTable& table, std::string_view infinitive) {
  for (const auto& c : table.classes) {
    if (EndsWith(infinitive, c.ending)) return &c;
  }
  return nullptr;
}

// Lexemes of one language in frequency tiers: tier 0 (function words), tier 1
// (irregular verbs), tier 2 (everything else).
struct TieredLexemes {
  std::array<std::vector<std::string>, 3> tiers;
};

TieredLexemes BuildLanguage(const LanguageTable& table) {
  TieredLexemes out;
  for (const char* w : table.function_words) out.tiers[0].emplace_back(w);
  for (const auto& v : table.irregular) {
    for (int p = 0; p < 6; ++p) {
      out.tiers[1].push_back(
          fmt::format("{}/{}{}<pri>{}", v.forms[p], v.lemma, v.pos, kPersonTags[p]));
    }
  }
  auto& rest = out.tiers[2];
  int verb_number = 0;
  for (const char* verb : table.verbs) {
    ++verb_number;
    if (table.language == kEn) {
      for (const auto& [surface, tags] : EnglishVerbForms(verb)) {
        rest.push_back(fmt::format("{}/{}{}", surface, verb, tags));
      }
      continue;
    }
    const ConjugationClass* c = ClassFor(table, verb);
    if (c == nullptr) continue;
    for (const auto& tense : c->finite) {
      const std::string stem = Stem(verb, tense.strip);
      for (int p = 0; p < 6; ++p) {
        if (tense.suffix[p] == nullptr) continue;  // no such form (imperative 1sg, ...)
        rest.push_back(fmt::format("{}{}/{}<vblex>{}{}", stem, tense.suffix[p], verb, tense.tag,
                                   kPersonTags[p]));
      }
      // Generic "any form of this tense" lexemes, as in the real data.
      if (verb_number % 2 == 0) {
        rest.push_back(fmt::format("<*sf>/{}<vblex>{}<*pers><*numb>", verb, tense.tag));
      }
    }
    for (const auto& form : c->non_finite) {
      rest.push_back(fmt::format("{}{}{}/{}<vblex>{}", form.prefix, Stem(verb, form.strip),
                                 form.suffix, verb, form.tags));
    }
  }
  int noun_number = 0;
  for (const auto& noun : table.nouns) {
    ++noun_number;
    const std::string gender = noun.gender[0] == '\0' ? "" : fmt::format("<{}>", noun.gender);
    const std::string plural =
        noun.plural != nullptr ? noun.plural : RegularPlural(table.language, noun.singular);
    rest.push_back(fmt::format("{}/{}<n>{}<sg>", noun.singular, noun.singular, gender));
    rest.push_back(fmt::format("{}/{}<n>{}<pl>", plural, noun.singular, gender));
    if (noun_number % 5 == 0) {
      rest.push_back(fmt::format("<*sf>/{}<n>{}<*numb>", noun.singular, gender));
    }
  }
  for (const char* adjective : table.adjectives) {
    for (const auto& [surface, tags] : AdjectiveForms(table.language, adjective)) {
      rest.push_back(fmt::format("{}/{}{}", surface, adjective, tags));
    }
  }
  return out;
}

}  // namespace

std::string LexemeIdFor(std::string_view language, std::string_view text) {
  // Two independent 64-bit hashes over the bytes (a keyed FNV-1a pass, then
  // mixed): not cryptographic, only stable and collision-free in practice
  // (Vocabulary checks uniqueness).
  uint64_t a = 0xcbf29ce484222325ULL ^ Mix64(0x6c65786d65);
  uint64_t b = 0x84222325cbf29ce4ULL ^ Mix64(0x776f7264);
  auto feed = [&](std::string_view bytes) {
    for (unsigned char c : bytes) {
      a = (a ^ c) * 0x100000001b3ULL;
      b = (b ^ c) * 0x100000001b3ULL + 0x9e37;
    }
  };
  feed(language);
  feed("\x1f");
  feed(text);
  return fmt::format("{:016x}{:016x}", Mix64(a ^ (b >> 7)), Mix64(b + Mix64(a)));
}

Vocabulary::Vocabulary() {
  const std::array<LanguageTable, kNumLanguages> tables = {English(), Spanish(), French(),
                                                           German(),  Italian(), Portuguese()};
  absl::flat_hash_set<std::string> ids;
  for (const auto& table : tables) {
    TieredLexemes tiers = BuildLanguage(table);
    // A fixed shuffle of the long tail so frequency does not follow table order.
    auto& rest = tiers.tiers[2];
    for (size_t i = rest.size(); i > 1; --i) {
      const size_t j = StreamHash(0x766f6361, table.language, i) % i;
      std::swap(rest[i - 1], rest[j]);
    }
    absl::flat_hash_set<std::string> seen_text;
    auto& order = by_frequency_[table.language];
    for (auto& tier : tiers.tiers) {
      for (auto& text : tier) {
        if (!seen_text.insert(text).second) continue;
        if (text.size() > 128) continue;  // rows must fit the generator's row buffer
        std::string id = LexemeIdFor(kLanguageCodes[table.language], text);
        if (!ids.insert(id).second) continue;  // never happens; keeps ids unique regardless
        order.push_back(static_cast<uint32_t>(lexemes_.size()));
        lexemes_.push_back({std::move(id), std::move(text), table.language});
      }
    }
  }
}

const Vocabulary& Vocabulary::Builtin() {
  static const Vocabulary* const vocabulary = new Vocabulary();
  return *vocabulary;
}

}  // namespace wv::generate
