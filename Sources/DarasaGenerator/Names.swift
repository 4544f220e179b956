import Foundation

/// Built-in name and language lists for the synthetic country. Plausible East-African names,
/// grouped by the home language they are most common in, so names correlate with language and
/// family names are shared within communities (which is what makes exact-name linkage hard).
struct HomeLanguage: Sendable {
    /// ISO 639-3 code, used in OneRoster demographics and the instruments.
    let code: String
    /// The name a census form would print.
    let name: String
    let familyNames: [String]
    let femaleNames: [String]
    let maleNames: [String]
}

enum NameBank {
    static let languages: [HomeLanguage] = [
        HomeLanguage(code: "swa", name: "Kiswahili",
            familyNames: ["Mohamed", "Hassan", "Ali", "Omar", "Juma", "Said", "Salim", "Bakari", "Rashid", "Athumani",
                          "Mwinyi", "Shaban", "Hamisi", "Abdalla", "Kassim", "Mwamba", "Ramadhani", "Mbwana", "Makame",
                          "Suleiman", "Chande", "Mwakilema", "Mwangudza", "Kahindi", "Kazungu", "Katana", "Charo", "Baya",
                          "Kenga", "Mwaringa", "Ngala", "Tsuma", "Karisa", "Kalama", "Mramba", "Mwatela", "Chiro",
                          "Mwadime", "Mwakio", "Kombe"],
            femaleNames: ["Amina", "Fatuma", "Halima", "Mwanaisha", "Zainabu", "Rukia", "Mariamu", "Aisha", "Saida",
                          "Khadija", "Asha", "Mwanajuma", "Zuhura", "Salma", "Hadija", "Mwanamisi", "Kadzo", "Sidi",
                          "Dama", "Mapenzi", "Rehema", "Neema", "Zawadi", "Furaha", "Upendo"],
            maleNames: ["Mohamed", "Hassan", "Ali", "Omar", "Juma", "Said", "Salim", "Bakari", "Rashid", "Abdul",
                        "Hamisi", "Ramadhani", "Athumani", "Yusuf", "Ibrahim", "Idd", "Shaban", "Musa", "Kazungu",
                        "Katana", "Charo", "Baya", "Baraka", "Amani", "Tumaini"]),
        HomeLanguage(code: "luo", name: "Dholuo",
            familyNames: ["Odhiambo", "Otieno", "Ochieng", "Onyango", "Owino", "Omondi", "Okoth", "Ouma", "Oduor",
                          "Odera", "Obiero", "Opiyo", "Okello", "Were", "Oloo", "Ogola", "Ogutu", "Ojwang", "Okumu",
                          "Olang", "Omolo", "Owuor", "Orwa", "Obura", "Odongo", "Ogada", "Oketch", "Okeyo", "Olweny",
                          "Ongeri", "Opondo", "Otiende", "Ouko", "Oyoo", "Abuya", "Aloo", "Amollo", "Nyangweso",
                          "Ochola", "Wandiga"],
            femaleNames: ["Achieng", "Akinyi", "Atieno", "Adhiambo", "Awino", "Anyango", "Auma", "Awuor", "Akoth",
                          "Apiyo", "Aoko", "Amondi", "Adongo", "Nyaboke", "Akello"],
            maleNames: ["Otieno", "Ochieng", "Odhiambo", "Omondi", "Onyango", "Okoth", "Owino", "Ouma", "Oduor",
                        "Opiyo", "Ojwang", "Okello", "Obiero", "Oketch", "Odongo"]),
        HomeLanguage(code: "kik", name: "Gikuyu",
            familyNames: ["Kamau", "Njoroge", "Mwangi", "Kariuki", "Kimani", "Macharia", "Githinji", "Ndungu", "Waweru",
                          "Gachanja", "Mburu", "Karanja", "Maina", "Njuguna", "Kinyua", "Muriithi", "Wambugu", "Gitau",
                          "Ngugi", "Kiarie", "Chege", "Kuria", "Wachira", "Nderitu", "Mugo", "Irungu", "Kahiga",
                          "Muchiri", "Ngari", "Wahome", "Nyaga", "Gichuki", "Kagwe", "Mbugua", "Njenga", "Thuo",
                          "Muriuki", "Kangethe", "Gikonyo", "Mwaura"],
            femaleNames: ["Wanjiku", "Wanjiru", "Njeri", "Wairimu", "Nyambura", "Wambui", "Muthoni", "Wangari",
                          "Wanjira", "Nyokabi", "Wangui", "Wacera", "Njambi", "Gathoni", "Waithera"],
            maleNames: ["Kamau", "Mwangi", "Njoroge", "Kariuki", "Kimani", "Maina", "Karanja", "Njuguna", "Kinyua",
                        "Gitau", "Ngugi", "Chege", "Kuria", "Mugo", "Wachira"]),
        HomeLanguage(code: "luy", name: "Luhya",
            familyNames: ["Wafula", "Barasa", "Wekesa", "Simiyu", "Wanyama", "Wanjala", "Makokha", "Shikuku",
                          "Mukhwana", "Wasike", "Khaemba", "Masinde", "Mulongo", "Wangila", "Sifuna", "Okwaro",
                          "Ambani", "Amukoa", "Mukabi", "Shitanda", "Kweyu", "Luvai", "Mmbaya", "Omukoko", "Opicho",
                          "Shiundu", "Wamalwa", "Wabwire", "Wandera", "Wangwe", "Wesonga", "Khisa", "Kundu", "Mulama",
                          "Nabwera", "Namwamba", "Lusweti", "Mbayi", "Okumu", "Wetang'ula"],
            femaleNames: ["Nafula", "Nekesa", "Naliaka", "Nasimiyu", "Khadambi", "Nanjala", "Namalwa", "Nabwire",
                          "Nangila", "Nasike", "Makena", "Khavere", "Amukoya", "Navalayo", "Nechesa"],
            maleNames: ["Wafula", "Wekesa", "Barasa", "Simiyu", "Wanjala", "Wanyama", "Makokha", "Masinde", "Wasike",
                        "Khaemba", "Wamalwa", "Shikuku", "Sifuna", "Wesonga", "Mulama"]),
        HomeLanguage(code: "kln", name: "Kalenjin",
            familyNames: ["Kiprop", "Kipchumba", "Cheruiyot", "Kibet", "Koech", "Rotich", "Kiprono", "Langat", "Mutai",
                          "Ngetich", "Kirui", "Korir", "Bett", "Kosgei", "Kiptoo", "Kimutai", "Kemboi", "Keter", "Kogo",
                          "Kiplagat", "Kiptanui", "Kipkemboi", "Tanui", "Too", "Sang", "Yego", "Biwott", "Kiprotich",
                          "Kipkorir", "Kipng'eno", "Kurgat", "Limo", "Lagat", "Maiyo", "Ruto", "Serem", "Tarus", "Tum",
                          "Chelimo", "Kiptum"],
            femaleNames: ["Chebet", "Chepkoech", "Jeptoo", "Jepkosgei", "Cherono", "Chepng'eno", "Jelagat", "Chemutai",
                          "Jepchirchir", "Chepkemoi", "Cheptoo", "Jerotich", "Chelangat", "Jepkemboi", "Chepkirui"],
            maleNames: ["Kiprop", "Kibet", "Kipchumba", "Cheruiyot", "Kiplagat", "Kiprono", "Kimutai", "Kiptoo",
                        "Kemboi", "Kipkorir", "Kiprotich", "Kiptanui", "Kipkemboi", "Kiptum", "Kipruto"]),
        HomeLanguage(code: "kam", name: "Kamba",
            familyNames: ["Mutua", "Musyoka", "Kilonzo", "Muthama", "Kioko", "Mutinda", "Mulwa", "Nzioka", "Kyalo",
                          "Wambua", "Ndambuki", "Nzuki", "Muli", "Musau", "Kimeu", "Mbithi", "Muema", "Mwanzia", "Ndeti",
                          "Kitheka", "Kiilu", "Maundu", "Mbaluka", "Munyao", "Mutisya", "Musembi", "Mwikya", "Ndolo",
                          "Nthenge", "Nzomo", "Kavita", "Kimanzi", "Makau", "Masila", "Mule", "Munguti", "Mwove",
                          "Syengo", "Kasyoki", "Kivuva"],
            femaleNames: ["Mwende", "Mumbua", "Syokau", "Ndinda", "Mwikali", "Kanini", "Kasyoka", "Mutheu", "Nduku",
                          "Mueni", "Kaluki", "Wayua", "Ndunge", "Kalekye", "Mbula"],
            maleNames: ["Mutua", "Musyoka", "Kioko", "Mutinda", "Kyalo", "Mulwa", "Muli", "Musau", "Kimeu", "Mbithi",
                        "Muema", "Makau", "Nzioka", "Munyao", "Kilonzo"]),
        HomeLanguage(code: "mas", name: "Maa",
            familyNames: ["Ole Sankale", "Ole Nkaissery", "Ole Kina", "Ole Kaelo", "Ole Lenku", "Ole Metito",
                          "Ole Ntutu", "Ole Sapit", "Ole Tipis", "Lekishon", "Saitoti", "Kores", "Ntimama", "Letoo",
                          "Lemayian", "Parsimei", "Sayianka", "Koikai", "Lengete", "Lenkoi", "Kisemei", "Lekakeny",
                          "Leshan", "Meitamei", "Mpaayei", "Nchoko", "Parit", "Pere", "Rakita", "Seki", "Tompoi",
                          "Tumpes", "Sironka", "Kamwaro", "Lesiamon", "Leparan", "Nkoitiko", "Olekina", "Tunai",
                          "Kasaine"],
            femaleNames: ["Naserian", "Nashipae", "Namunyak", "Sianoi", "Nasieku", "Naipanoi", "Nalangu", "Resian",
                          "Sein", "Kiserian", "Nkatha", "Simaloi", "Noolkisaruni", "Nanyorri", "Silanka"],
            maleNames: ["Lekishon", "Saitoti", "Sankale", "Lemayian", "Lengete", "Parsimei", "Kores", "Letoo",
                        "Leshan", "Meitamei", "Sironka", "Tunai", "Kasaine", "Nkoitiko", "Lesiamon"]),
    ]

    static let commonFemale: [String] = [
        "Mary", "Faith", "Mercy", "Grace", "Joy", "Esther", "Ruth", "Sarah", "Elizabeth", "Jane", "Ann", "Lucy",
        "Caroline", "Purity", "Sharon", "Cynthia", "Diana", "Linet", "Beatrice", "Brenda", "Christine", "Doris",
        "Emily", "Eunice", "Evelyn", "Gladys", "Hellen", "Irene", "Janet", "Josephine", "Joyce", "Judith", "Lilian",
        "Margaret", "Martha", "Maureen", "Miriam", "Naomi", "Nancy", "Pauline", "Peris", "Phoebe", "Rose", "Sylvia",
        "Tabitha", "Teresia", "Valentine", "Vivian", "Winnie", "Yvonne", "Agnes", "Alice", "Ashley", "Blessing",
        "Catherine", "Dorcas", "Edith", "Florence", "Gloria", "Hope", "Ivy", "Jackline", "Joan", "Lydia", "Mildred",
        "Monica", "Nelly", "Rebecca", "Rachel", "Stacy", "Stella", "Susan", "Veronica", "Abigail", "Precious",
        "Mitchelle", "Sheila", "Imani", "Purity", "Sabina", "Damaris", "Everlyne", "Getrude", "Hannah", "Jacinta",
        "Leah", "Loice", "Millicent", "Nelima", "Priscilla", "Roselyne", "Salome", "Scholastica", "Tracy", "Violet",
    ]

    static let commonMale: [String] = [
        "John", "Peter", "James", "Joseph", "David", "Daniel", "Samuel", "Brian", "Kevin", "Dennis", "Collins",
        "Victor", "Felix", "Emmanuel", "Stephen", "Paul", "Michael", "George", "Charles", "Francis", "Moses",
        "Isaac", "Elijah", "Joshua", "Caleb", "Ian", "Alex", "Allan", "Amos", "Benson", "Bernard", "Boniface",
        "Clinton", "Cyrus", "Edwin", "Eric", "Evans", "Fredrick", "Gideon", "Geoffrey", "Hillary", "Jackson", "Job",
        "Kelvin", "Lawrence", "Martin", "Nicholas", "Patrick", "Philip", "Raphael", "Robert", "Simon", "Timothy",
        "Vincent", "Wilson", "Abel", "Brighton", "Derrick", "Elvis", "Erick", "Festus", "Gabriel", "Harrison",
        "Jacob", "Jeremiah", "Levi", "Mark", "Nathan", "Oscar", "Ronald", "Silas", "Titus", "Duncan", "Enock",
        "Ezekiel", "Gilbert", "Humphrey", "Jared", "Kennedy", "Lameck", "Maxwell", "Nehemiah", "Obadiah",
        "Reuben", "Shadrack", "Tobias", "Wycliffe", "Zablon", "Andrew", "Anthony",
    ]

    static let muslimShareSwahili = 0.55
    static let muslimShareOther = 0.06
    static let localGivenShare = 0.30
}

/// Pre-encoded UTF-8 names for fast writing, addressed by compact indices.
struct NameTable: Sendable {
    /// All given names: common female, common male, then each language's female and male lists.
    let given: [String]
    let givenBytes: [[UInt8]]
    let family: [String]
    let familyBytes: [[UInt8]]
    /// Per language: cumulative Zipf-like weights and the global indices they pick from.
    let familyByLanguage: [[Int]]
    let familyCumulative: [[Double]]
    let commonFemale: [Int], commonMale: [Int]
    let muslimFemale: [Int], muslimMale: [Int]
    let localFemale: [[Int]], localMale: [[Int]]
    let commonFemaleCum: [Double], commonMaleCum: [Double]

    init() {
        var given: [String] = []
        var givenIndex: [String: Int] = [:]
        func addGiven(_ names: [String]) -> [Int] {
            names.map { name in
                if let i = givenIndex[name] { return i }
                given.append(name)
                givenIndex[name] = given.count - 1
                return given.count - 1
            }
        }
        commonFemale = addGiven(NameBank.commonFemale)
        commonMale = addGiven(NameBank.commonMale)
        let swa = NameBank.languages[0]
        muslimFemale = addGiven(Array(swa.femaleNames.prefix(16)))
        muslimMale = addGiven(Array(swa.maleNames.prefix(18)))
        var lf: [[Int]] = [], lm: [[Int]] = []
        var family: [String] = []
        var familyIndex: [String: Int] = [:]
        var fbl: [[Int]] = []
        for lang in NameBank.languages {
            lf.append(addGiven(lang.femaleNames))
            lm.append(addGiven(lang.maleNames))
            fbl.append(lang.familyNames.map { name in
                if let i = familyIndex[name] { return i }
                family.append(name)
                familyIndex[name] = family.count - 1
                return family.count - 1
            })
        }
        localFemale = lf; localMale = lm
        familyByLanguage = fbl
        self.given = given
        self.family = family
        givenBytes = given.map { Array($0.utf8) }
        familyBytes = family.map { Array($0.utf8) }
        func zipf(_ n: Int) -> [Double] { cumulative((0..<n).map { 1 / pow(Double($0) + 3, 0.9) }) }
        familyCumulative = fbl.map { zipf($0.count) }
        commonFemaleCum = zipf(commonFemale.count)
        commonMaleCum = zipf(commonMale.count)
    }

    /// A given name for a child of `sex` (0 female, 1 male) whose home language is `language`.
    func drawGiven(female: Bool, language: Int, rng: inout Rng) -> Int {
        let muslim = language == 0 ? NameBank.muslimShareSwahili : NameBank.muslimShareOther
        let u = rng.uniform()
        if u < muslim {
            let list = female ? muslimFemale : muslimMale
            return list[rng.int(below: list.count)]
        } else if u < muslim + NameBank.localGivenShare {
            let list = female ? localFemale[language] : localMale[language]
            return list[rng.int(below: list.count)]
        }
        return female ? commonFemale[rng.pick(cumulative: commonFemaleCum)] : commonMale[rng.pick(cumulative: commonMaleCum)]
    }

    func drawFamily(language: Int, rng: inout Rng) -> Int {
        // One family name in twelve comes from another community (mixed marriages, migration).
        let lang = rng.chance(1.0 / 12) ? rng.int(below: familyByLanguage.count) : language
        return familyByLanguage[lang][rng.pick(cumulative: familyCumulative[lang])]
    }
}
