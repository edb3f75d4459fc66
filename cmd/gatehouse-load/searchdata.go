package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// The members the search scenario seeds: names, usernames and addresses drawn
// from lists of real first and last names of many languages, so that the
// search index sees the variety it would in a company (accents, other
// scripts, shared company domains, many people sharing a surname) and a query
// is as selective as it would be there.

var firstNames = strings.Fields(`James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William
	Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty
	Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth
	Carol Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura
	Jeffrey Cynthia Ryan Dorothy Jacob Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Emma Stephen Brenda
	Larry Pamela Justin Nicole Scott Anna Brandon Samantha Benjamin Katherine Samuel Christine Gregory Debra
	Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack Olivia Dennis Heather Jerry Helen Tyler
	Catherine Aaron Diane Jose Julie Adam Victoria Nathan Joyce Henry Lauren Zachary Kelly Douglas Christina
	Peter Ruth Kyle Joan Noah Virginia Ethan Judith Jeremy Evelyn Walter Hannah Christian Andrea Keith Megan
	Roger Cheryl Terry Jacqueline Austin Madison Sean Teresa Gerald Abigail Carl Sophia Harold Martha Dylan Sara
	Arthur Gloria Lawrence Janice Jordan Kathryn Jesse Ann Bryan Isabella Billy Judy Bruce Charlotte Gabriel Julia
	José María Zoë Björn Øyvind Łukasz Çağla Siobhán François Jürgen Aoife Mårten Ngọc Thảo Ömer Şebnem Dmitrij
	Yuki Hiroshi Wei Priya Aarav Olumide Chinedu Ingrid Søren Ágnes Zoltán Małgorzata Jiří Dragoş Ēriks Renée
	Noémie Léa Chloé Andrés Inés Sebastián João Gonçalo Fatma Ayşe Nguyễn Minh Анна Иван Мария Σοφία Γιώργος
	李 王 张 Sakura Haruto Kenji Ji-ho Seo-yeon Amani Kwame Aisha Omar Fatima Youssef Layla Rahul Ananya Arjun`)

var lastNames = fieldsWithSpaces(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
	Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris
	Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green
	Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz
	Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey
	Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz
	Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell
	Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson
	Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran
	Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy
	Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez
	Silva Shaw Snyder Mason Dixon Muñoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar
	Fox Warren Mills Meyer Rice Schmidt García Müller Schröder Weiß Größer Kowalski Nowak Wiśniewski Dvořák
	Novák Horváth Nagy Kovačević Popescu Ionescu Jørgensen Sørensen Åberg Lindström Virtanen Mäkinen O'Brien
	O'Connor Ní~Bhriain Dubois Lefèvre Moreau Fontaine Rossi Russo Bianchi Ferrari Esposito Santos Gonçalves
	Pereira Oliveira Yılmaz Kaya Demir Şahin Çelik Öztürk Ivanov Smirnov Иванов Петров Παπαδόπουλος Tanaka
	Suzuki Takahashi Watanabe Yamamoto Sato Kobayashi Park Choi Jung Kang Cho Yoon Singh Kumar Sharma Gupta
	Khan Ali Hassan Ahmed Ibrahim Okafor Adeyemi Mensah Mwangi Otieno Van~der~Berg De~Vries Janssen Bakker`)

// fieldsWithSpaces splits a list at white space; ~ stands for a space inside
// an item.
func fieldsWithSpaces(s string) []string {
	f := strings.Fields(s)
	for i := range f {
		f[i] = strings.ReplaceAll(f[i], "~", " ")
	}
	return f
}

var personalDomains = strings.Fields(`gmail.com outlook.com yahoo.com proton.me icloud.com web.de gmx.net
	orange.fr hotmail.co.uk free.fr libero.it t-online.de yandex.ru naver.com qq.com seznam.cz wp.pl`)

// workDomains are the organization's own: most staff share the first.
var workDomains = []string{"northwind-traders.com", "northwind-traders.com", "northwind-traders.com", "nwt-logistics.eu", "northwind.example"}

// asciiFold turns a name into what a username may hold: Latin letters
// without accents, digits; letters of other scripts are dropped.
var asciiFold = strings.NewReplacer("á", "a", "à", "a", "â", "a", "ä", "a", "å", "a", "ã", "a", "ą", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e", "ē", "e", "í", "i", "ì", "i", "î", "i", "ï", "i", "ı", "i",
	"ó", "o", "ò", "o", "ô", "o", "ö", "o", "ø", "o", "õ", "o", "ú", "u", "ù", "u", "û", "u", "ü", "u",
	"ç", "c", "ć", "c", "č", "c", "ğ", "g", "ł", "l", "ñ", "n", "ń", "n", "ř", "r", "ś", "s", "ş", "s",
	"š", "s", "ß", "ss", "ž", "z", "ż", "z", "ọ", "o", "ả", "a", "ễ", "e", "ş", "s", "ș", "s", "ţ", "t",
	"'", "", " ", "")

func foldASCII(s string) string {
	s = asciiFold.Replace(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// seedGen makes the members of the search scenario, the same ones for the
// same seed.
type seedGen struct {
	prefix string // before every username, so that runs on one database never collide
	rng    *rand.Rand
	now    time.Time
	taken  map[string]int // username base -> members with it so far
	hash   string         // the password hash every active member gets
}

func newSeedGen(seed uint64, now time.Time, hash string) *seedGen {
	return &seedGen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: now, taken: map[string]int{}, hash: hash}
}

func (g *seedGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// member makes the next member.
func (g *seedGen) member() *gatehouse.Member {
	r := g.rng
	first, last := g.pick(firstNames), g.pick(lastNames)
	f, l := foldASCII(first), foldASCII(last)
	if f == "" {
		f = "user"
	}
	if l == "" {
		l = "staff"
	}
	var base string
	switch r.IntN(4) {
	case 0:
		base = f + "." + l
	case 1:
		base = f[:1] + l
	case 2:
		base = f + "_" + l[:1]
	default:
		base = f + "-" + l
	}
	g.taken[base]++
	username := g.prefix + base
	if n := g.taken[base]; n > 1 {
		username = fmt.Sprintf("%s%s%d", g.prefix, base, n)
	}
	name := first + " " + last
	switch r.IntN(20) {
	case 0:
		name = ""
	case 1, 2:
		name = first + " " + string(rune('A'+r.IntN(26))) + ". " + last
	}
	m := &gatehouse.Member{
		ID: gatehouse.NewID(nil), OrgID: gatehouse.DefaultOrgID, Username: username, DisplayName: name,
		Role: gatehouse.RoleMember, State: gatehouse.StateActive,
	}
	if r.IntN(10) < 7 {
		local := []string{f + "." + l, f + l, f[:1] + l, f + fmt.Sprint(1950+r.IntN(56)), l + "." + f}[r.IntN(5)]
		if r.IntN(3) == 0 {
			local += fmt.Sprint(r.IntN(1000))
		}
		m.Email = local + "@" + g.pick(personalDomains)
	}
	if r.IntN(100) < 85 {
		m.WorkEmail = username + "@" + g.pick(workDomains)
	}
	switch x := r.IntN(100000); {
	case x < 2:
		m.Role = gatehouse.RoleOwner
	case x < 100:
		m.Role = gatehouse.RoleAdministrator
	}
	switch x := r.IntN(100); {
	case x < 10:
		m.State = gatehouse.StateNeverActivated
	case x < 17:
		m.State = gatehouse.StateDisabled
	case x < 20:
		m.State = gatehouse.StateExpired
	}
	day := 24 * time.Hour
	m.CreatedAt = g.now.Add(-time.Duration(r.Int64N(int64(5 * 365 * day)))).Truncate(time.Microsecond)
	m.UpdatedAt = m.CreatedAt
	if m.State != gatehouse.StateNeverActivated {
		m.PasswordHash = g.hash
		m.PasswordChangedAt = g.now.Add(-time.Duration(r.Int64N(int64(3 * 365 * day)))).Truncate(time.Microsecond)
		if r.IntN(10) < 7 {
			m.LastSignInAt = g.now.Add(-time.Duration(r.Int64N(int64(90 * day)))).Truncate(time.Microsecond)
		}
	}
	return m
}
